import {
  ENVELOPE_STDOUT_LIMIT,
  EXIT,
  GUARD_EXIT,
  type GuardCode,
  type HostOperation,
  type HostParameters,
} from '../../lib/ssm/host-contract.js';
import {
  type HostState,
  idleMinutes,
  openCount,
  type SessionState,
  shareRelativePath,
} from './host-state.js';
import { convertToJsonCompress, convertToJsonPretty, type PsObject } from './ps-json.js';
import { renderQuser } from './text-layout.js';

const LIST_OPERATIONS: ReadonlySet<HostOperation> = new Set([
  'ListSessions',
  'ListSmbSessions',
  'ListOpenFiles',
]);

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  guard: { code: GuardCode; message: string } | null;
}

/** What the fleet must do beyond this host when a session ends (its SMB sessions elsewhere). */
export interface OperationEffects {
  sessionEnded(host: HostState, session: SessionState): void;
}

export interface OperationResult {
  /** Process exit code of the script: list operations exit 0 once the tool ran. */
  exitCode: number;
  /** The JSON envelope, as `ConvertTo-Json -Compress` prints it. */
  stdout: string;
}

const ok = (stdout = '', stderr = ''): Outcome => ({
  exitCode: EXIT.ok,
  stdout,
  stderr,
  guard: null,
});
const bad = (message: string): Outcome => ({
  exitCode: EXIT.badParameters,
  stdout: '',
  stderr: message,
  guard: null,
});
const refuse = (code: GuardCode, message: string): Outcome => ({
  exitCode: GUARD_EXIT[code],
  stdout: '',
  stderr: '',
  guard: { code, message },
});

/** Runs one operation of `SessionJanitor-Operate` against the host's state, as the script would. */
export function runOperation(
  host: HostState,
  parameters: HostParameters,
  now: number,
  effects: OperationEffects
): OperationResult {
  const outcome = dispatch(host, parameters, now, effects);
  const truncated = outcome.stdout.length > ENVELOPE_STDOUT_LIMIT;
  const envelope = convertToJsonCompress([
    ['operation', parameters.Operation],
    ['exitCode', outcome.exitCode],
    ['stdout', truncated ? outcome.stdout.slice(0, ENVELOPE_STDOUT_LIMIT) : outcome.stdout],
    ['stderr', outcome.stderr],
    ['stdoutTruncated', truncated],
    ['culture', host.locale.culture],
    ['shortDatePattern', host.locale.shortDatePattern],
    ['shortTimePattern', host.locale.shortTimePattern],
    ['hostTimeUtc', `${new Date(now).toISOString().slice(0, 19)}Z`],
    ['utcOffsetMinutes', host.utcOffsetMinutes],
    [
      'guard',
      outcome.guard
        ? [
            ['code', outcome.guard.code],
            ['message', outcome.guard.message],
          ]
        : null,
    ],
  ]);
  const exitCode = LIST_OPERATIONS.has(parameters.Operation) ? EXIT.ok : outcome.exitCode;
  return { exitCode, stdout: envelope };
}

function dispatch(
  host: HostState,
  p: HostParameters,
  now: number,
  effects: OperationEffects
): Outcome {
  switch (p.Operation) {
    case 'ListSessions':
      return listSessions(host, now);
    case 'DisconnectSession':
      return sessionAction(host, p, (session) => disconnect(host, session));
    case 'LogoffSession':
      return sessionAction(host, p, (session) => logoff(host, session, effects));
    case 'NotifySession':
      return notify(host, p, now);
    case 'ListSmbSessions':
      return ok(listSmbSessions(host, now));
    case 'CloseSmbSession':
      return closeSmbSession(host, p);
    case 'ListOpenFiles':
      return ok(listOpenFiles(host));
    case 'CloseOpenFile':
      return closeOpenFile(host, p);
    default:
      return bad(`Unknown Operation '${String((p as { Operation: unknown }).Operation)}'.`);
  }
}

function listSessions(host: HostState, now: number): Outcome {
  const rows = [...host.sessions.values()].map((s) => ({
    userName: s.userName,
    sessionName: s.sessionName,
    id: s.id,
    state: s.state,
    idleMinutes: idleMinutes(s, now),
    console: s.console,
    logonTime: new Date(s.logonAt),
  }));
  if (rows.length === 0) {
    return { ...ok('', `${host.locale.noUserExists('*')}\r\n`), exitCode: EXIT.commandFailed };
  }
  return ok(renderQuser(rows, host.locale, host.utcOffsetMinutes));
}

const SESSION_ID = /^\d{1,5}$/;

/** Session guards: the id still belongs to ExpectedUser (ids are reused). */
function guardSession(
  host: HostState,
  p: HostParameters
): { session: SessionState } | { outcome: Outcome } {
  const rawId = p.SessionId ?? '';
  if (!SESSION_ID.test(rawId) || Number(rawId) > 65536) {
    return { outcome: bad('SessionId must be a session number (0-65536).') };
  }
  const expected = p.ExpectedUser ?? '';
  if (expected === '') return { outcome: bad('ExpectedUser is required.') };
  const id = Number(rawId);
  const session = host.sessions.get(id);
  if (!session) {
    return { outcome: refuse('session-not-found', `Session ${id} does not exist or has no user.`) };
  }
  if (!accountMatches(expected, session.domain, session.userName)) {
    return {
      outcome: refuse(
        'user-mismatch',
        `Session ${id} belongs to ${session.domain}\\${session.userName}, not ${expected}.`
      ),
    };
  }
  return { session };
}

function sessionAction(
  host: HostState,
  p: HostParameters,
  act: (session: SessionState) => Outcome
): Outcome {
  const guarded = guardSession(host, p);
  return 'outcome' in guarded ? guarded.outcome : act(guarded.session);
}

function accessDenied(
  host: HostState,
  action: 'logoff' | 'disconnect',
  session: SessionState
): Outcome {
  const stderr = `${host.locale.couldNot(action, session.id, session.sessionName)}\r\n${host.locale.accessDeniedLine}\r\n`;
  return { exitCode: EXIT.commandFailed, stdout: '', stderr, guard: null };
}

function disconnect(host: HostState, session: SessionState): Outcome {
  if (session.console) {
    return refuse(
      'console-session',
      `Session ${session.id} is the console session; the console is never disconnected.`
    );
  }
  if (session.protected) return accessDenied(host, 'disconnect', session);
  session.state = 'disconnected';
  session.sessionName = null;
  session.working = false;
  return ok();
}

function logoff(host: HostState, session: SessionState, effects: OperationEffects): Outcome {
  if (session.protected) return accessDenied(host, 'logoff', session);
  host.sessions.delete(session.id);
  effects.sessionEnded(host, session);
  return ok();
}

function notify(host: HostState, p: HostParameters, now: number): Outcome {
  const message = p.Message ?? '';
  const seconds = p.WarnSeconds ?? '';
  if (message === '') return bad('Message is required.');
  if (seconds !== '' && !/^\d{1,5}$/.test(seconds)) {
    return bad('WarnSeconds must be a number of seconds.');
  }
  return sessionAction(host, p, (session) => {
    host.notifications.push({
      sessionId: session.id,
      userName: session.userName,
      message,
      seconds: seconds === '' ? null : Number(seconds),
      sentAt: now,
    });
    return ok();
  });
}

function listSmbSessions(host: HostState, now: number): string {
  const sessions = [...host.smbSessions.values()].sort((a, b) => compareBig(a.id, b.id));
  return convertToJsonPretty(
    sessions.map(
      (s): PsObject => [
        ['SessionId', { uint64: s.id }],
        ['ClientComputerName', s.clientComputerName],
        ['ClientUserName', s.clientUserName],
        ['NumOpens', { uint64: BigInt(openCount(host, s.id)) }],
        ['SecondsIdle', Math.max(0, Math.floor((now - s.lastRequestAt) / 1000))],
        ['Dialect', s.dialect],
      ]
    )
  );
}

function listOpenFiles(host: HostState): string {
  const files = [...host.openFiles.values()].sort((a, b) => compareBig(a.id, b.id));
  return convertToJsonPretty(
    files.map((f): PsObject => {
      const session = host.smbSessions.get(f.smbSessionId);
      return [
        ['FileId', { uint64: f.id }],
        ['SessionId', { uint64: f.smbSessionId }],
        ['Path', f.path],
        ['ShareRelativePath', shareRelativePath(f.path)],
        ['ClientComputerName', session?.clientComputerName ?? null],
        ['ClientUserName', session?.clientUserName ?? null],
        ['Locks', f.locks],
      ];
    })
  );
}

function closeSmbSession(host: HostState, p: HostParameters): Outcome {
  const client = (p.ClientName ?? '').replace(/^\\\\/, '');
  const user = p.UserName ?? '';
  if (client === '' && user === '') {
    return bad('CloseSmbSession needs ClientName or UserName: it never closes every session.');
  }
  const matching = [...host.smbSessions.values()].filter(
    (s) =>
      (client === '' || sameClient(client, s.clientComputerName)) &&
      (user === '' || accountMatches(user, ...splitDomain(s.clientUserName)))
  );
  if (matching.length === 0) {
    const wanted = [client && `ClientComputerName '${client}'`, user && `ClientUserName '${user}'`]
      .filter(Boolean)
      .join(' and ');
    return refuse('smb-session-not-found', `No SMB session with ${wanted}.`);
  }
  for (const s of matching) closeSmbSessionState(host, s.id);
  return ok();
}

/** Ends an SMB session and, with it, every file it holds open. */
export function closeSmbSessionState(host: HostState, id: bigint): void {
  host.smbSessions.delete(id);
  for (const [fileId, file] of host.openFiles) {
    if (file.smbSessionId === id) host.openFiles.delete(fileId);
  }
}

const FILE_ID = /^\d{1,20}$/;

function closeOpenFile(host: HostState, p: HostParameters): Outcome {
  const rawId = p.FileId ?? '';
  const expectedPath = p.ExpectedPath ?? '';
  if (!FILE_ID.test(rawId) || BigInt(rawId) > 0xffff_ffff_ffff_ffffn) {
    return bad('FileId must be an SMB file id (a 64-bit unsigned number).');
  }
  if (expectedPath === '') return bad('ExpectedPath is required.');
  const id = BigInt(rawId);
  const file = host.openFiles.get(id);
  if (!file) return refuse('file-not-found', `No open file has FileId ${id}.`);
  if (file.path.toLowerCase() !== expectedPath.toLowerCase()) {
    return refuse('path-mismatch', `File ${id} is ${file.path}, not ${expectedPath}.`);
  }
  host.openFiles.delete(id);
  return ok();
}

/** `user`, `DOMAIN\user` or `user@domain`, case-insensitive; a bare user matches any domain. */
export function accountMatches(expected: string, domain: string, userName: string): boolean {
  const [wantDomain, wantUser] = expected.includes('\\')
    ? splitDomain(expected)
    : [null, expected.split('@')[0] ?? expected];
  return (
    wantUser.toLowerCase() === userName.toLowerCase() &&
    (wantDomain === null || wantDomain.toLowerCase() === domain.toLowerCase())
  );
}

function splitDomain(account: string): [string, string] {
  const slash = account.indexOf('\\');
  return slash < 0 ? ['', account] : [account.slice(0, slash), account.slice(slash + 1)];
}

function sameClient(wanted: string, actual: string): boolean {
  const bare = (name: string) => name.replace(/^\[|\]$/g, '').toLowerCase();
  return bare(wanted) === bare(actual);
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
