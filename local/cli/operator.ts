import { TERMINAL_STATUSES } from '../../lib/actions/transitions.js';
import { CliError, call, EXIT_CODES } from './api-client.js';
import {
  PAGE_OPTIONS,
  pageQuery,
  parse,
  printJson,
  say,
  sayPage,
  showHelp,
  TARGET_USAGE,
  targetOf,
  timeText,
  warn,
} from './command.js';
import type { CliCommand, CliIo } from './main.js';
import { renderTable } from './table.js';

interface ActionView {
  id: string;
  operation: string;
  instanceId: string;
  status: string;
  reason: string;
  createdAt: string;
  target?: {
    kind?: string;
    sessionId?: number;
    expectedUser?: string;
    fileId?: string;
    expectedPath?: string;
    clientName?: string | null;
    userName?: string | null;
    shellId?: string;
    expectedOwner?: string;
  };
  trigger?: {
    kind?: string;
    ticketId?: string;
    sweepId?: string;
    eventId?: string;
    caller?: string;
    requestedBy?: string;
  };
  result?: { exitCode?: number | null; errorCode?: string | null; excerpt?: string } | null;
  timestamps?: Record<string, string>;
  commandId?: string | null;
}

const TERMINAL = new Set<string>(TERMINAL_STATUSES);

function targetText(a: ActionView): string {
  const t = a.target;
  if (!t) return '';
  if (t.kind === 'session') return `session ${t.sessionId} (${t.expectedUser})`;
  if (t.kind === 'file') return `file ${t.fileId} ${t.expectedPath}`;
  if (t.kind === 'shell') return `shell ${t.shellId} (${t.expectedOwner})`;
  return `smb ${t.clientName ?? '*'} / ${t.userName ?? '*'}`;
}

function triggerText(a: ActionView): string {
  const t = a.trigger;
  if (!t) return '';
  if (t.kind === 'api') return `ticket ${t.ticketId}`;
  if (t.kind === 'schedule') return `sweep ${t.sweepId}`;
  return `idle event ${t.eventId}`;
}

function actionRows(items: ActionView[]): string {
  return renderTable(
    ['CREATED', 'ACTION', 'HOST', 'OPERATION', 'TARGET', 'STATUS', 'TRIGGER', 'REASON'],
    items.map((a) => [
      timeText(a.createdAt),
      a.id,
      a.instanceId,
      a.operation,
      targetText(a),
      a.status,
      triggerText(a),
      a.reason,
    ])
  );
}

function actionDetail(a: ActionView): string {
  const lines = [
    `action     ${a.id}`,
    `operation  ${a.operation} on ${a.instanceId}: ${targetText(a)}`,
    `status     ${a.status}`,
    `trigger    ${triggerText(a)}${a.trigger?.caller ? ` by ${a.trigger.caller}` : ''}${a.trigger?.requestedBy ? ` for ${a.trigger.requestedBy}` : ''}`,
    `reason     ${a.reason}`,
    `command    ${a.commandId ?? '-'}`,
  ];
  for (const [status, at] of Object.entries(a.timestamps ?? {})) lines.push(`  ${at}  ${status}`);
  if (a.result) {
    lines.push(
      `result     exit ${a.result.exitCode ?? '-'}${a.result.errorCode ? `, ${a.result.errorCode}` : ''}`
    );
    if (a.result.excerpt)
      lines.push(`           ${a.result.excerpt.replace(/\n/g, '\n           ')}`);
  }
  return lines.join('\n');
}

/** The one positional argument of a host command: an instance id. */
function oneInstanceId(positionals: string[], usage: string): string {
  const [instanceId] = positionals;
  if (!instanceId || positionals.length > 1) {
    throw new CliError(`give one instance id\n${usage}`, EXIT_CODES.usage);
  }
  return instanceId;
}

const minutesText = (seconds: number | null) =>
  seconds === null ? 'unknown' : String(Math.floor(seconds / 60));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const actions: CliCommand = {
  summary: 'list actions of a host, of a ticket, or that cut a user off',
  usage: `janitor actions (--host INSTANCE_ID | --ticket TICKET | --user USER) [--limit N] [--cursor C]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values } = parse(
      argv,
      {
        host: { type: 'string' },
        ticket: { type: 'string' },
        user: { type: 'string' },
        ...PAGE_OPTIONS,
      },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    if ([values.host, values.ticket, values.user].filter(Boolean).length !== 1) {
      throw new CliError(
        `give exactly one of --host, --ticket or --user\n${this.usage}`,
        EXIT_CODES.usage
      );
    }
    const query = pageQuery(values);
    if (values.host) query.set('instanceId', values.host);
    if (values.ticket) query.set('ticketId', values.ticket);
    if (values.user) query.set('userName', values.user);
    const { body } = await call(await targetOf(values, io), 'GET', `/v1/actions?${query}`);
    const page = body as { items: ActionView[]; cursor: string | null };
    if (values.json) return printJson(io, page);
    sayPage(io, page.items.length > 0 ? actionRows(page.items) : null, 'no actions', page.cursor);
    return EXIT_CODES.ok;
  },
};

const action: CliCommand = {
  summary: 'show one action (--wait: until it is finished)',
  usage: `janitor action ACTION_ID [--wait] [--timeout SECONDS]\n  exit 0 when the action succeeded (or, without --wait, exists); 7 when it finished otherwise; 8 when --wait timed out\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { wait: { type: 'boolean', default: false }, timeout: { type: 'string', default: '120' } },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    const [id] = positionals;
    if (!id || positionals.length > 1)
      throw new CliError(`give one action id\n${this.usage}`, EXIT_CODES.usage);
    const timeoutMs = Number(values.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new CliError('--timeout must be a positive number of seconds', EXIT_CODES.usage);
    const target = await targetOf(values, io);
    const deadline = Date.now() + timeoutMs;
    let current = (await call(target, 'GET', `/v1/actions/${encodeURIComponent(id)}`))
      .body as ActionView;
    while (values.wait && !TERMINAL.has(current.status) && Date.now() < deadline) {
      await sleep(500);
      current = (await call(target, 'GET', `/v1/actions/${encodeURIComponent(id)}`))
        .body as ActionView;
    }
    say(io, values.json ? JSON.stringify(current, null, 2) : actionDetail(current));
    if (!values.wait) return EXIT_CODES.ok;
    if (!TERMINAL.has(current.status)) return EXIT_CODES.waitTimedOut;
    return current.status === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.actionNotSucceeded;
  },
};

const sessions: CliCommand = {
  summary: "list a host's sessions, live",
  usage: `janitor sessions INSTANCE_ID\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {}, this.usage);
    if (values.help) return showHelp(io, this.usage);
    const host = oneInstanceId(positionals, this.usage);
    const { body } = await call(
      await targetOf(values, io),
      'GET',
      `/v1/hosts/${encodeURIComponent(host)}/sessions`
    );
    if (values.json) return printJson(io, body);
    const b = body as {
      sessions: Array<{
        userName: string;
        sessionName: string | null;
        id: number;
        state: string;
        idleMinutes: number | null;
        logonTime: string | null;
        logonTimeRaw: string;
      }>;
      warnings?: string[];
    };
    say(
      io,
      b.sessions.length === 0
        ? 'no user sessions'
        : renderTable(
            ['ID', 'USER', 'SESSION', 'STATE', 'IDLE MIN', 'LOGON'],
            b.sessions.map((s) => [
              String(s.id),
              s.userName,
              s.sessionName ?? '',
              s.state,
              s.idleMinutes === null ? 'unknown' : String(s.idleMinutes),
              s.logonTime ?? s.logonTimeRaw,
            ])
          )
    );
    for (const w of b.warnings ?? []) warn(io, `warning: ${w}`);
    return EXIT_CODES.ok;
  },
};

interface SmbSessionView {
  client: string;
  userName: string | null;
  opens: number | null;
  idleSeconds: number | null;
  sessionId?: string;
}

interface OpenFilesBody {
  files: Array<{ id: string; path: string; userName: string | null; locks: number | null }>;
  next: { afterFileId: string; remaining: number } | null;
  smbSessions?: SmbSessionView[];
  warnings?: string[];
}

function smbSessionRows(smb: readonly SmbSessionView[]): string {
  return renderTable(
    ['CLIENT', 'USER', 'OPENS', 'IDLE MIN', 'SMB SESSION'],
    smb.map((s) => [
      s.client,
      s.userName ?? '',
      s.opens === null ? '' : String(s.opens),
      minutesText(s.idleSeconds),
      s.sessionId ?? '',
    ])
  );
}

const files: CliCommand = {
  summary:
    "list a file server's open files, live (every page; --path: only that file's; --smb-sessions: and its SMB sessions)",
  usage: `janitor files INSTANCE_ID [--path PATH] [--smb-sessions]
  --smb-sessions   also list the server's SMB sessions: the clients and users end-smb takes
${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { path: { type: 'string' }, 'smb-sessions': { type: 'boolean', default: false } },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    const host = oneInstanceId(positionals, this.usage);
    const target = await targetOf(values, io);
    // The host answers one page at a time (each whole JSON within SSM's output limit).
    let body: OpenFilesBody & Record<string, unknown>;
    const all: OpenFilesBody['files'] = [];
    const warnings: string[] = [];
    let smbSessions: SmbSessionView[] | undefined;
    let after: string | null = null;
    do {
      const query = new URLSearchParams({
        ...(values.path ? { path: values.path } : {}),
        ...(after === null ? {} : { after }),
        // The server's SMB sessions do not depend on the page: asked for once, with the first.
        ...(values['smb-sessions'] && after === null ? { include: 'smb-sessions' } : {}),
      }).toString();
      const answer = await call(
        target,
        'GET',
        `/v1/hosts/${encodeURIComponent(host)}/open-files${query ? `?${query}` : ''}`
      );
      body = answer.body as OpenFilesBody & Record<string, unknown>;
      all.push(...body.files);
      warnings.push(...(body.warnings ?? []));
      smbSessions ??= body.smbSessions;
      after = body.next?.afterFileId ?? null;
    } while (after !== null);
    if (values.json) {
      return printJson(io, {
        ...body,
        files: all,
        smbSessions,
        warnings,
      });
    }
    say(
      io,
      all.length === 0
        ? 'no open files'
        : renderTable(
            ['ID', 'USER', 'LOCKS', 'PATH'],
            all.map((f) => [
              f.id,
              f.userName ?? '',
              f.locks === null ? '' : String(f.locks),
              f.path,
            ])
          )
    );
    if (smbSessions !== undefined) {
      say(io, smbSessions.length === 0 ? '\nno SMB sessions' : `\n${smbSessionRows(smbSessions)}`);
    }
    for (const w of warnings) warn(io, `warning: ${w}`);
    return EXIT_CODES.ok;
  },
};

async function submit(
  io: CliIo,
  values: Parameters<typeof targetOf>[0] & {
    json?: boolean | string | undefined;
    wait?: boolean | string | undefined;
  },
  request: Record<string, unknown>
): Promise<number> {
  const target = await targetOf(values, io);
  const { status, body } = await call(target, 'POST', '/v1/actions', request);
  const b = body as { actionId: string; status: string; created: boolean };
  if (values.json) say(io, JSON.stringify({ httpStatus: status, ...b }, null, 2));
  else
    say(
      io,
      `${b.created ? 'created' : 'already requested'}: ${b.actionId} (${b.status})\nfollow it: janitor action ${b.actionId} --wait`
    );
  return EXIT_CODES.ok;
}

const REQUEST_OPTIONS = {
  ticket: { type: 'string' },
  reason: { type: 'string' },
  'requested-by': { type: 'string' },
} as const;

function requireTicket(
  values: {
    ticket?: string | boolean | undefined;
    reason?: string | boolean | undefined;
    'requested-by'?: string | boolean | undefined;
  },
  usage: string,
  defaultReason: string
) {
  if (typeof values.ticket !== 'string' || values.ticket === '')
    throw new CliError(`--ticket is required\n${usage}`, EXIT_CODES.usage);
  const requestedBy = values['requested-by'];
  return {
    ticketId: values.ticket,
    reason:
      typeof values.reason === 'string' && values.reason !== '' ? values.reason : defaultReason,
    requestedBy: typeof requestedBy === 'string' && requestedBy !== '' ? requestedBy : undefined,
  };
}

function sessionCommand(
  operation: 'logoff' | 'disconnect' | 'notify',
  summary: string
): CliCommand {
  return {
    summary,
    usage: `janitor ${operation} INSTANCE_ID SESSION_ID --ticket T --reason R [--requested-by WHO] [--user EXPECTED_USER]${operation === 'notify' ? ' --message M [--seconds N]' : ' [--override-exclusion] [--console]'}\n${TARGET_USAGE}`,
    async run(argv, io) {
      const { values, positionals } = parse(
        argv,
        {
          ...REQUEST_OPTIONS,
          user: { type: 'string' },
          message: { type: 'string' },
          seconds: { type: 'string' },
          'override-exclusion': { type: 'boolean' },
          console: { type: 'boolean' },
        },
        this.usage
      );
      if (values.help) return showHelp(io, this.usage);
      const [instanceId, session] = positionals;
      if (!instanceId || !session || positionals.length > 2)
        throw new CliError(`give an instance id and a session id\n${this.usage}`, EXIT_CODES.usage);
      if (typeof values.reason !== 'string' || values.reason === '')
        throw new CliError(`--reason is required\n${this.usage}`, EXIT_CODES.usage);
      if (operation === 'notify' && !values.message)
        throw new CliError(`--message is required\n${this.usage}`, EXIT_CODES.usage);
      const ticket = requireTicket(values, this.usage, values.reason);
      const sessionId = Number(session);
      return submit(io, values, {
        operation,
        instanceId,
        sessionId: Number.isInteger(sessionId) ? sessionId : session,
        userName: values.user || undefined,
        message: values.message || undefined,
        warnSeconds: values.seconds ? Number(values.seconds) : undefined,
        override: values['override-exclusion'] ? 'exclusion' : undefined,
        console: values.console || undefined,
        ...ticket,
      });
    },
  };
}

const closeFile: CliCommand = {
  summary: 'close an open file on a file server, by id or by path',
  usage: `janitor close-file INSTANCE_ID (--id FILE_ID | --path PATH) --ticket T [--reason R] [--requested-by WHO] [--confirm]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        ...REQUEST_OPTIONS,
        id: { type: 'string' },
        path: { type: 'string' },
        confirm: { type: 'boolean' },
      },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    const instanceId = oneInstanceId(positionals, this.usage);
    if (!values.id === !values.path)
      throw new CliError(`give exactly one of --id or --path\n${this.usage}`, EXIT_CODES.usage);
    const ticket = requireTicket(values, this.usage, 'file locked (help-desk request)');
    return submit(io, values, {
      operation: 'close-file',
      instanceId,
      ...(values.id ? { fileId: values.id } : { path: values.path }),
      confirm: values.confirm || undefined,
      ...ticket,
    });
  },
};

const endSmb: CliCommand = {
  summary: "end a client's or a user's SMB sessions on a file server",
  usage: `janitor end-smb INSTANCE_ID (--client NAME | --user USER) --ticket T [--reason R] [--requested-by WHO] [--confirm]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        ...REQUEST_OPTIONS,
        client: { type: 'string' },
        user: { type: 'string' },
        confirm: { type: 'boolean' },
      },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    const instanceId = oneInstanceId(positionals, this.usage);
    if (!values.client && !values.user)
      throw new CliError(`give --client, --user or both\n${this.usage}`, EXIT_CODES.usage);
    const ticket = requireTicket(values, this.usage, 'SMB session ended (help-desk request)');
    return submit(io, values, {
      operation: 'end-smb-session',
      instanceId,
      clientName: values.client || undefined,
      userName: values.user || undefined,
      confirm: values.confirm || undefined,
      ...ticket,
    });
  },
};

interface ShellsBody {
  shells: Array<{
    shellId: string;
    kind: string | null;
    owner: string | null;
    clientIp: string | null;
    state: string | null;
    inactivitySeconds: number | null;
    childProcesses: number | null;
    bufferMode: string | null;
  }>;
  warnings?: string[];
}

const shells: CliCommand = {
  summary: "list a host's WinRM remote shells (PowerShell remoting, winrs), live",
  usage: `janitor shells INSTANCE_ID\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {}, this.usage);
    if (values.help) return showHelp(io, this.usage);
    const host = oneInstanceId(positionals, this.usage);
    const { body } = await call(
      await targetOf(values, io),
      'GET',
      `/v1/hosts/${encodeURIComponent(host)}/shells`
    );
    if (values.json) return printJson(io, body);
    const b = body as ShellsBody;
    say(
      io,
      b.shells.length === 0
        ? 'no remote shells'
        : renderTable(
            ['SHELL', 'KIND', 'OWNER', 'CLIENT', 'STATE', 'INACTIVE MIN', 'COMMANDS', 'BUFFER'],
            b.shells.map((s) => [
              s.shellId,
              s.kind ?? 'unknown',
              s.owner ?? 'unknown',
              s.clientIp ?? '',
              s.state ?? 'unknown',
              minutesText(s.inactivitySeconds),
              s.childProcesses === null ? 'unknown' : String(s.childProcesses),
              s.bufferMode ?? '',
            ])
          )
    );
    for (const w of b.warnings ?? []) warn(io, `warning: ${w}`);
    return EXIT_CODES.ok;
  },
};

const endShell: CliCommand = {
  summary: 'end a WinRM remote shell (a client still connected is cut off)',
  usage: `janitor end-shell INSTANCE_ID SHELL_ID --ticket T --reason R [--requested-by WHO] [--owner EXPECTED_OWNER] [--override-exclusion]\n${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { ...REQUEST_OPTIONS, owner: { type: 'string' }, 'override-exclusion': { type: 'boolean' } },
      this.usage
    );
    if (values.help) return showHelp(io, this.usage);
    const [instanceId, shellId, ...extra] = positionals;
    if (instanceId === undefined || shellId === undefined || extra.length > 0)
      throw new CliError(`give an instance id and a shell id\n${this.usage}`, EXIT_CODES.usage);
    if (typeof values.reason !== 'string' || values.reason === '')
      throw new CliError(`--reason is required\n${this.usage}`, EXIT_CODES.usage);
    const ticket = requireTicket(values, this.usage, values.reason);
    return submit(io, values, {
      operation: 'end-shell',
      instanceId,
      shellId,
      owner: typeof values.owner === 'string' && values.owner !== '' ? values.owner : undefined,
      override: values['override-exclusion'] ? 'exclusion' : undefined,
      ...ticket,
    });
  },
};

/** The operator and help-desk commands, talking to the API. */
export const operatorCommands: Record<string, CliCommand> = {
  actions,
  action,
  sessions,
  files,
  logoff: sessionCommand('logoff', 'log a session off (work not saved is lost)'),
  disconnect: sessionCommand('disconnect', 'disconnect a session (it keeps running)'),
  notify: sessionCommand('notify', 'show a message in a session'),
  'close-file': closeFile,
  'end-smb': endSmb,
  shells,
  'end-shell': endShell,
};
