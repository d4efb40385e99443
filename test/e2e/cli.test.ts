import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { API_SCOPES } from '../../lib/contract.js';
import { EXIT_CODES } from '../../local/cli/api-client.js';
import { main } from '../../local/cli/main.js';
import { type E2e, startE2e } from './harness.js';

const BIN = fileURLToPath(new URL('../../bin/janitor.js', import.meta.url));
let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.stop();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `janitor …` against the runtime's `local.json` (unless told otherwise): the CLI's own `main`
 * with its streams, environment and standard input, in this process, since a process start per
 * run (about sixty here) cost most of this suite's time; `bin` runs the real `bin/janitor.js`, as
 * the last block does. What escapes `main` is what node would print for an uncaught error.
 */
async function janitor(
  args: readonly string[],
  options: { config?: boolean; env?: Record<string, string>; bin?: boolean; input?: string } = {}
): Promise<CliRun> {
  const withConfig = options.config ?? true;
  const argv = withConfig ? [...args, '--config', e2e.runtime.localFile] : [...args];
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env) {
    delete env.JANITOR_API_URL;
    delete env.JANITOR_TOKEN;
  }
  delete env.JANITOR_CONFIG;
  if (options.bin) return spawned(argv, env, options.input ?? '');
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(argv, {
      out: (text) => {
        stdout += text;
      },
      err: (text) => {
        stderr += text;
      },
      env,
      readInput: () => Promise.resolve(options.input ?? ''),
    });
    return { code, stdout, stderr };
  } catch (error) {
    return { code: 1, stdout, stderr: `${stderr}${(error as Error).stack ?? String(error)}\n` };
  }
}

function spawned(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  input: string
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...argv],
      { env, timeout: 20_000 },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(out), stderr: String(err) });
      }
    );
    child.stdin?.end(input);
  });
}

/** A run that must have ended `code`; the output is shown when it did not. */
function expectExit(run: CliRun, code: number): void {
  expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toMatchObject({ code });
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/**
 * `action ID --wait` once the runtime is quiet, so it answers at its first look instead of polling;
 * one test lets it poll.
 */
async function settledWait(actionId: string): Promise<CliRun> {
  await e2e.runtime.settle();
  return janitor(['action', actionId, '--wait']);
}

function actionIdIn(text: string): string {
  const id = /act_[a-z2-7]{26}/.exec(text)?.[0];
  if (!id) throw new Error(`no action id in ${JSON.stringify(text)}`);
  return id;
}

const COMMANDS = [
  'parse',
  'actions',
  'action',
  'sessions',
  'files',
  'logoff',
  'disconnect',
  'notify',
  'close-file',
  'end-smb',
  'shells',
  'end-shell',
  'hosts',
  'sweeps',
];

describe('janitor --help', () => {
  it('prints the usage of every command and exits 0', async () => {
    const top = await janitor(['--help'], { config: false });
    expectExit(top, 0);
    for (const name of COMMANDS) expect(top.stdout).toContain(`  ${name} `);
    const runs = await Promise.all(
      COMMANDS.map((name) => janitor([name, '--help'], { config: false }))
    );
    for (const [i, run] of runs.entries()) {
      expectExit(run, 0);
      expect(run.stdout, COMMANDS[i]).toMatch(/usage|janitor/i);
      expect(run.stdout.endsWith('\n'), COMMANDS[i]).toBe(true);
    }
  });

  it('exits 2 with a message and no stack trace when the command line is wrong', async () => {
    const host = e2e.hostId('RDSH-US-01');
    const wrong = [
      [],
      ['reboot'],
      ['actions'],
      ['actions', '--host', host, '--ticket', 'T-1'],
      ['actions', '--host', host, '--bogus'],
      ['action'],
      ['sessions'],
      ['logoff', host],
      ['logoff', host, '3', '--reason', 'stuck'],
      ['logoff', host, '3', '--ticket', 'T-1'],
      ['notify', host, '3', '--ticket', 'T-1', '--reason', 'heads up'],
      ['close-file', host, '--ticket', 'T-1'],
      ['close-file', host, '--id', '1', '--path', 'D:\\x', '--ticket', 'T-1'],
      ['end-smb', host, '--ticket', 'T-1'],
      ['hosts', host],
      ['sweeps', 'sw-2026-01-01T00:00:00Z', 'sw-2026-01-01T00:05:00Z'],
      ['sweeps', 'sw-2026-01-01T00:00:00Z', '--cursor', 'x'],
      ['files', host, '--smb-sessions=yes'],
    ];
    const commandsBefore = e2e.runtime.ssm.commands().length;
    const runs = await Promise.all(wrong.map((args) => janitor(args)));
    for (const [i, run] of runs.entries()) {
      expectExit(run, EXIT_CODES.usage);
      expect(run.stderr.trim(), wrong[i]?.join(' ')).not.toBe('');
    }
    expect(e2e.runtime.ssm.commands().length).toBe(commandsBefore);
  });
});

describe('janitor against the local runtime', () => {
  it("lists a host's sessions as a table and as JSON", async () => {
    const host = e2e.hostId('RDSH-US-01');
    const id = e2e.runtime.fleet.addSession(host, { user: 'CORP\\cli.lister', idleMinutes: 17 });

    const table = await janitor(['sessions', host]);
    expectExit(table, 0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USER\s+SESSION\s+STATE\s+IDLE MIN\s+LOGON$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${id}\\s+cli\\.lister\\s+rdp-tcp#\\d+\\s+active\\s+17\\s`))
    );
    expect(lines).toContainEqual(expect.stringMatching(/^1\s+Administrator\s+console\s+active/));

    const json = await janitor(['sessions', host, '--json']);
    expectExit(json, 0);
    const body = JSON.parse(json.stdout) as {
      instanceId: string;
      sessions: Array<{ id: number; userName: string }>;
    };
    expect(body.instanceId).toBe(host);
    expect(body.sessions).toContainEqual(
      expect.objectContaining({ id, userName: 'cli.lister', idleMinutes: 17 })
    );
    expect(body.sessions).toHaveLength(lines.length - 1);
  });

  it("lists a file server's open files as a table and as JSON", async () => {
    const host = e2e.hostId('FS-US-01');
    const path = 'D:\\Shares\\Projects\\CLI Listing.docx';
    const fileId = e2e.runtime.fleet.addOpenFile(host, {
      path,
      clientComputerName: 'PC-CLI-1',
      user: 'cli.reader',
      locks: 2,
    });

    const table = await janitor(['files', host]);
    expectExit(table, 0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USER\s+LOCKS\s+PATH$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${fileId}\\s+CORP\\\\cli\\.reader\\s+2\\s+D:\\\\Shares\\\\Projects\\\\CLI Listing\\.docx$`
        )
      )
    );
    expect(lines).toHaveLength(e2e.runtime.fleet.host(host).openFiles.length + 1);

    const json = await janitor(['files', host, '--json']);
    expectExit(json, 0);
    const body = JSON.parse(json.stdout) as { files: Array<Record<string, unknown>> };
    expect(body.files).toContainEqual(expect.objectContaining({ id: fileId, path, locks: 2 }));
  });

  it('logs a session off, follows it with action --wait, and lists it by ticket and by host', async () => {
    const host = e2e.hostId('RDSH-DE-01');
    const id = e2e.runtime.fleet.addSession(host, { user: 'CORP\\cli.leaver', idleMinutes: 8 });

    const submitted = await janitor([
      'logoff',
      host,
      String(id),
      '--ticket',
      'CLI-100',
      '--reason',
      'session hangs at logon screen',
    ]);
    expectExit(submitted, 0);
    expect(submitted.stdout).toMatch(/^created: act_[a-z2-7]{26} \((planned|dispatched)\)\n/);
    const actionId = actionIdIn(submitted.stdout);

    const waited = await janitor(['action', actionId, '--wait']);
    expectExit(waited, 0);
    expect(waited.stdout).toContain(`action     ${actionId}`);
    expect(waited.stdout).toMatch(/status\s+succeeded/);
    expect(waited.stdout).toContain('ticket CLI-100 by local-operator');
    expect(e2e.runtime.fleet.host(host).sessions.map((s) => s.id)).not.toContain(id);

    const again = await janitor([
      'logoff',
      host,
      String(id),
      '--ticket',
      'CLI-100',
      '--reason',
      'session hangs at logon screen',
      '--json',
    ]);
    expectExit(again, 0);
    expect(JSON.parse(again.stdout)).toEqual({
      httpStatus: 202,
      actionId,
      status: 'succeeded',
      created: false,
    });

    const byTicket = await janitor(['actions', '--ticket', 'CLI-100']);
    expectExit(byTicket, 0);
    const rows = byTicket.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(
      /^CREATED\s+ACTION\s+HOST\s+OPERATION\s+TARGET\s+STATUS\s+TRIGGER\s+REASON$/
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(actionId);
    expect(rows[1]).toMatch(
      new RegExp(
        `${host}\\s+logoff\\s+session ${id} \\(cli\\.leaver\\)\\s+succeeded\\s+ticket CLI-100\\s+session hangs`
      )
    );

    const byHost = await janitor(['actions', '--host', host, '--json']);
    expectExit(byHost, 0);
    const page = JSON.parse(byHost.stdout) as { items: Action[] };
    expect(page.items.map((a) => a.id)).toContain(actionId);

    const detail = await janitor(['action', actionId, '--json']);
    expectExit(detail, 0);
    expect(JSON.parse(detail.stdout)).toEqual(await e2e.runtime.ledger.getAction(actionId));
  });

  it('disconnects and notifies a session', async () => {
    const host = e2e.hostId('RDSH-FR-01');
    const id = e2e.runtime.fleet.addSession(host, { user: 'CORP\\cli.away', idleMinutes: 40 });

    const notified = await janitor([
      'notify',
      host,
      String(id),
      '--ticket',
      'CLI-200',
      '--reason',
      'maintenance tonight',
      '--message',
      'Please save your work: maintenance at 22:00',
      '--seconds',
      '120',
    ]);
    expectExit(notified, 0);
    expectExit(await settledWait(actionIdIn(notified.stdout)), 0);
    expect(e2e.runtime.fleet.host(host).notifications).toContainEqual(
      expect.objectContaining({
        sessionId: id,
        userName: 'cli.away',
        message: 'Please save your work: maintenance at 22:00',
        seconds: 120,
      })
    );

    const disconnected = await janitor([
      'disconnect',
      host,
      String(id),
      '--ticket',
      'CLI-200',
      '--reason',
      'frees the licence',
      '--user',
      'cli.away',
      '--json',
    ]);
    expectExit(disconnected, 0);
    const answer = JSON.parse(disconnected.stdout) as {
      httpStatus: number;
      actionId: string;
      created: boolean;
    };
    expect(answer).toMatchObject({ httpStatus: 202, created: true });
    expectExit(await settledWait(answer.actionId), 0);
    expect(e2e.runtime.fleet.host(host).sessions.find((s) => s.id === id)?.state).toBe(
      'disconnected'
    );
  });

  it("lists a host's remote shells and ends one, saying it cut a running command short", async () => {
    const host = e2e.hostId('RDSH-ES-01');
    const shellId = e2e.runtime.fleet.addShell(host, {
      owner: 'CORP\\cli.remote',
      inactiveMinutes: 12,
      childProcesses: 1,
    });
    const listed = await janitor(['shells', host]);
    expectExit(listed, 0);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^SHELL\s+KIND\s+OWNER\s+CLIENT\s+STATE\s+INACTIVE MIN\s+COMMANDS\s+BUFFER$/
    );
    expect(rows.find((row) => row.startsWith(shellId))).toMatch(
      /powershell\s+CORP\\cli\.remote\s+\S+\s+connected\s+12\s+1\s+block/
    );

    const ended = await janitor([
      'end-shell',
      host,
      shellId,
      '--ticket',
      'CLI-350',
      '--reason',
      'remote job hangs',
    ]);
    expectExit(ended, 0);
    const waited = await settledWait(actionIdIn(ended.stdout));
    expectExit(waited, 0);
    expect(waited.stdout).toContain(`shell ${shellId} (CORP\\cli.remote)`);
    expect(waited.stdout).toContain('ended-ungraceful: Connected, 1 child process(es)');
    expect(e2e.runtime.fleet.host(host).shells.map((s) => s.shellId)).not.toContain(shellId);
    expectExit(await janitor(['end-shell', host, '--ticket', 'CLI-350', '--reason', 'x']), 2);
  });

  it("ends an excluded owner's shell only with --override-exclusion, as for sessions", async () => {
    const host = e2e.hostId('RDSH-ES-01');
    const shellId = e2e.runtime.fleet.addShell(host, {
      owner: 'CORP\\svc_cli',
      state: 'Disconnected',
    });
    const args = ['end-shell', host, shellId, '--ticket', 'CLI-351', '--reason', 'stuck agent'];
    const refused = await janitor(args);
    expectExit(refused, 3);
    expect(refused.stderr).toContain('excluded');
    const ended = await janitor([...args, '--override-exclusion']);
    expectExit(ended, 0);
    expectExit(await settledWait(actionIdIn(ended.stdout)), 0);
    expect(await e2e.runtime.ledger.getAction(actionIdIn(ended.stdout))).toMatchObject({
      status: 'succeeded',
      trigger: { overrides: { exclusion: expect.stringContaining('svc_') } },
    });
  });

  it("lists a file server's SMB sessions with --smb-sessions: the clients end-smb takes", async () => {
    const host = e2e.hostId('FS-DE-01');
    const smbSessionId = e2e.runtime.fleet.addSmbSession(host, {
      clientComputerName: 'PC-CLI-SMB',
      user: 'CORP\\cli.mapper',
    });

    const table = await janitor(['files', host, '--smb-sessions']);
    expectExit(table, 0);
    const [filesPart, smbPart] = table.stdout.trimEnd().split('\n\n');
    expect(filesPart).toMatch(/^(ID\s+USER\s+LOCKS\s+PATH|no open files)\n?/);
    const [header, ...rows] = (smbPart ?? '').split('\n');
    expect(header).toMatch(/^CLIENT\s+USER\s+OPENS\s+IDLE MIN\s+SMB SESSION$/);
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(`^PC-CLI-SMB\\s+CORP\\\\cli\\.mapper\\s+0\\s+\\d+\\s+${smbSessionId}$`)
      )
    );
    expect(rows).toHaveLength(e2e.runtime.fleet.host(host).smbSessions.length);

    const json = await janitor(['files', host, '--smb-sessions', '--json']);
    expectExit(json, 0);
    const body = JSON.parse(json.stdout) as { smbSessions: Array<Record<string, unknown>> };
    expect(body.smbSessions).toContainEqual(
      expect.objectContaining({ client: 'PC-CLI-SMB', sessionId: smbSessionId })
    );
    // Without the option the listing has no SMB sessions, as before.
    const plain = await janitor(['files', host]);
    expect(plain.stdout).not.toContain('PC-CLI-SMB');
  });

  it('closes files by path and by id and ends SMB sessions of a client', async () => {
    const { fleet } = e2e.runtime;
    const host = e2e.hostId('FS-DE-01');
    const byPath = fleet.addOpenFile(host, {
      path: 'D:\\Shares\\HR\\CLI Locked.xlsx',
      clientComputerName: 'PC-CLI-2',
      user: 'cli.holder',
    });
    const byId = fleet.addOpenFile(host, {
      path: 'D:\\Shares\\HR\\CLI Other.xlsx',
      clientComputerName: 'PC-CLI-2',
      user: 'cli.holder',
    });
    const bystander = fleet.addOpenFile(host, {
      path: 'D:\\Shares\\HR\\CLI Bystander.xlsx',
      clientComputerName: 'PC-CLI-3',
      user: 'cli.bystander',
    });

    const closedByPath = await janitor([
      'close-file',
      host,
      '--path',
      'D:\\Shares\\HR\\CLI Locked.xlsx',
      '--ticket',
      'CLI-300',
    ]);
    expectExit(closedByPath, 0);
    expectExit(await settledWait(actionIdIn(closedByPath.stdout)), 0);
    const closedById = await janitor(['close-file', host, '--id', byId, '--ticket', 'CLI-300']);
    expectExit(closedById, 0);
    expectExit(await settledWait(actionIdIn(closedById.stdout)), 0);
    let open = fleet.host(host).openFiles.map((f) => f.fileId);
    expect(open).not.toContain(byPath);
    expect(open).not.toContain(byId);
    expect(open).toContain(bystander);

    const ended = await janitor([
      'end-smb',
      host,
      '--client',
      'PC-CLI-3',
      '--ticket',
      'CLI-300',
      '--reason',
      'client crashed',
    ]);
    expectExit(ended, 0);
    expectExit(await settledWait(actionIdIn(ended.stdout)), 0);
    open = fleet.host(host).openFiles.map((f) => f.fileId);
    expect(open).not.toContain(bystander);
    expect(fleet.host(host).smbSessions.map((s) => s.clientComputerName)).not.toContain('PC-CLI-3');
    const story = await e2e.ticketActions('CLI-300');
    // The fleet's clock stands still in this suite, so the three share one timestamp.
    expect(story.map((a) => [a.operation, a.status]).sort()).toEqual([
      ['close-file', 'succeeded'],
      ['close-file', 'succeeded'],
      ['end-smb-session', 'succeeded'],
    ]);
  });

  it('asks before ending the SMB sessions of a client that 30 users share, and finds the action by user', async () => {
    const host = e2e.hostId('FS-US-01');
    const args = ['end-smb', host, '--client', 'CTX-FARM-01', '--ticket', 'CLI-450'];
    const asked = await janitor(args);
    expectExit(asked, 5);
    expect(asked.stderr).toContain('confirmation-required');
    expect(asked.stderr).toMatch(/30 users: .*CORP\\ctx\.user01/);
    expect(asked.stderr).toContain('--confirm');
    expect(
      e2e.runtime.fleet.host(host).smbSessions.some((s) => s.clientComputerName === 'CTX-FARM-01')
    ).toBe(true);

    const confirmed = await janitor([...args, '--confirm']);
    expectExit(confirmed, 0);
    const actionId = actionIdIn(confirmed.stdout);
    expectExit(await settledWait(actionId), 0);
    const mine = await janitor(['actions', '--user', 'ctx.user12']);
    expectExit(mine, 0);
    expect(mine.stdout).toContain(actionId);
  });

  it('parses Windows output from standard input without any API', async () => {
    const quser = await readFile(
      new URL('../fixtures/windows/quser/en-US-quserobject-four-users.txt', import.meta.url),
      'utf8'
    );
    const parsed = await janitor(['parse', 'quser'], { config: false, input: quser });
    expectExit(parsed, 0);
    const body = JSON.parse(parsed.stdout) as { kind: string; sessions: Array<{ id: number }> };
    expect(body.kind).toBe('quser');
    expect(body.sessions.map((s) => s.id)).toEqual([2, 3, 4, 5]);

    const garbage = await janitor(['parse', 'quser'], { config: false, input: 'hello\n' });
    expectExit(garbage, EXIT_CODES.usage);
    expect(garbage.stderr).toContain('not quser output');
  });

  it('takes the API and the token from the environment', async () => {
    const host = e2e.hostId('RDSH-ES-01');
    const run = await janitor(['sessions', host, '--json'], {
      config: false,
      env: { JANITOR_API_URL: e2e.runtime.apiUrl, JANITOR_TOKEN: e2e.runtime.token },
    });
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ instanceId: host });
  });
});

describe('janitor exit codes', () => {
  it('exits 3 for a token the API does not accept or one without the scope', async () => {
    const host = e2e.hostId('RDSH-US-02');
    const bad = await janitor(['sessions', host, '--token', 'not-a-token']);
    expectExit(bad, EXIT_CODES.unauthorized);
    expect(bad.stderr).toContain('HTTP 401');

    const readOnly = await e2e.token([API_SCOPES.read]);
    const refused = await janitor([
      'logoff',
      host,
      '1',
      '--ticket',
      'CLI-400',
      '--reason',
      'scope probe',
      '--token',
      readOnly,
    ]);
    expectExit(refused, EXIT_CODES.unauthorized);
    expect(refused.stderr).toContain('HTTP 403');
    expect(await e2e.ticketActions('CLI-400')).toEqual([]);
  });

  it("prints the API's own message: which tag an unmanaged host lacks", async () => {
    const host = e2e.hostId('RDSH-LAB-01');
    const refused = await janitor(['sessions', host]);
    expectExit(refused, EXIT_CODES.unauthorized);
    expect(refused.stderr).toBe(
      `janitor sessions: HTTP 403 forbidden: ${host} does not carry the tag session-janitor:managed=true\n`
    );
  });

  it('exits 9 for a host whose agent is not connected, and sends nothing', async () => {
    const host = e2e.hostId('RDSH-US-03');
    const before = e2e.runtime.ssm.commands().length;
    const [listed, files, logoff] = await Promise.all([
      janitor(['sessions', host]),
      janitor(['files', host, '--smb-sessions']),
      janitor(['logoff', host, '2', '--ticket', 'CLI-800', '--reason', 'agent gone']),
    ]);
    for (const run of [listed, files, logoff]) {
      expectExit(run, EXIT_CODES.hostOffline);
      expect(run.stderr).toContain(
        `HTTP 503 host-offline: ${host} is ConnectionLost: its agent cannot answer now`
      );
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('CLI-800')).toEqual([]);
  });

  it('exits 4 for an action or a host that does not exist', async () => {
    const missing = await janitor(['action', `act_${'a'.repeat(26)}`]);
    expectExit(missing, EXIT_CODES.notFound);
    expect(missing.stderr).toContain('HTTP 404');
    const noHost = await janitor(['sessions', 'i-0123456789abcdef0']);
    expectExit(noHost, EXIT_CODES.notFound);
  });

  it('exits 6 when the API rejects a value, naming the field, and sends nothing', async () => {
    const host = e2e.hostId('RDSH-US-02');
    const before = e2e.runtime.ssm.commands().length;
    const rejected = await Promise.all([
      janitor(['logoff', host, '2', '--ticket', 'CLI-500', '--reason', 'stuck; Stop-Computer']),
      janitor([
        'notify',
        host,
        '2',
        '--ticket',
        'CLI-500',
        '--reason',
        'heads up',
        '--message',
        'Bye $(Stop-Computer)',
      ]),
      janitor(['close-file', host, '--path', 'D:\\x`;calc', '--ticket', 'CLI-500']),
      janitor(['end-smb', host, '--client', 'PC|calc', '--ticket', 'CLI-500']),
      janitor(['logoff', 'i-0abc; calc', '2', '--ticket', 'CLI-500', '--reason', 'stuck']),
    ]);
    const fields = [
      'body.reason',
      'body.message',
      'body.path',
      'body.clientName',
      'body.instanceId',
    ];
    for (const [i, run] of rejected.entries()) {
      expectExit(run, EXIT_CODES.rejected);
      expect(run.stderr).toContain('HTTP 400');
      expect(run.stderr).toContain(fields[i]);
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('CLI-500')).toEqual([]);
  });

  it('exits 7 when an awaited action ends other than succeeded', async () => {
    const host = e2e.hostId('RDSH-RU-01');
    const id = e2e.runtime.fleet.addSession(host, { user: 'CORP\\cli.real' });
    // The user named on the command line is not who is logged on: the host's guard refuses.
    const submitted = await janitor([
      'logoff',
      host,
      String(id),
      '--ticket',
      'CLI-600',
      '--reason',
      'wrong session picked',
      '--user',
      'cli.someone.else',
    ]);
    expectExit(submitted, 0);
    const waited = await settledWait(actionIdIn(submitted.stdout));
    expectExit(waited, EXIT_CODES.actionNotSucceeded);
    // The guard's refusal changes nothing on the host: the action is skipped, not failed.
    expect(waited.stdout).toMatch(/status\s+skipped/);
    expect(waited.stdout).toContain('user-mismatch');
    expect(e2e.runtime.fleet.host(host).sessions.map((s) => s.id)).toContain(id);
  });
});

describe('janitor action --wait without news from SSM', () => {
  it('exits 8 when the action is still dispatched at --timeout', async () => {
    const { fleet, ssm } = e2e.runtime;
    const host = e2e.hostId('RDSH-JP-01');
    const id = fleet.addSession(host, { user: 'CORP\\cli.unheard' });
    // The host acts, but its status-change event never arrives: the ledger still says dispatched.
    ssm.setFaults({ dropEventRate: 1 });
    try {
      const submitted = await janitor([
        'disconnect',
        host,
        String(id),
        '--ticket',
        'CLI-700',
        '--reason',
        'status lost',
        '--user',
        'cli.unheard',
      ]);
      expectExit(submitted, 0);
      await e2e.runtime.settle();
      const waited = await janitor([
        'action',
        actionIdIn(submitted.stdout),
        '--wait',
        '--timeout',
        '0.2',
      ]);
      expectExit(waited, EXIT_CODES.waitTimedOut);
      expect(waited.stdout).toMatch(/status\s+dispatched/);
      expect(fleet.host(host).sessions.find((s) => s.id === id)?.state).toBe('disconnected');
    } finally {
      ssm.setFaults({ dropEventRate: 0 });
    }
  });
});

describe('janitor hosts and sweeps', () => {
  it("shows a sweep in the list, in detail, and as each host's last sweep; pages the hosts", async () => {
    const { sweepId } = await e2e.runtime.sweepNow();
    await e2e.runtime.settle();
    const api = await e2e.call('GET', `/v1/sweeps/${encodeURIComponent(sweepId)}`);
    expect(api.status).toBe(200);
    const sweep = api.body as unknown as {
      asked: { hosts: number };
      seen: { sessions: number; errors: number };
      planned: number;
      actions: { total: number };
    };

    const [list, detail, json, hostsTable, firstPage] = await Promise.all([
      janitor(['sweeps']),
      janitor(['sweeps', sweepId]),
      janitor(['sweeps', sweepId, '--json']),
      janitor(['hosts']),
      janitor(['hosts', '--limit', '5']),
    ]);
    expectExit(list, 0);
    const [header, newest] = list.stdout.split('\n');
    expect(header).toMatch(/^SWEEP\s+HOSTS\s+SESSIONS\s+ERRORS\s+PLANNED\s+ACTIONS\s+BY STATUS$/);
    expect(newest?.split(/\s{2,}/).slice(0, 6)).toEqual([
      sweepId,
      String(sweep.asked.hosts),
      String(sweep.seen.sessions),
      String(sweep.seen.errors),
      String(sweep.planned),
      String(sweep.actions.total),
    ]);
    expectExit(detail, 0);
    expect(detail.stdout).toContain(`sweep      ${sweepId}\n`);
    expect(detail.stdout).toMatch(
      new RegExp(`asked      ${sweep.asked.hosts} hosts \\(default \\d+`)
    );
    expect(detail.stdout).toMatch(/\nskipped {4}/);
    expectExit(json, 0);
    expect(JSON.parse(json.stdout)).toEqual(api.body);

    expectExit(hostsTable, 0);
    const rows = hostsTable.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(
      /^INSTANCE\s+COMPUTER\s+PING\s+PLATFORM\s+GROUP\s+LAST SWEEP\s+RESULT\s+LAST ACTION$/
    );
    const row = (name: string) => rows.find((r) => r.includes(` ${name} `)) ?? '';
    expect(row('RDSH-DE-01')).toMatch(
      /^i-[0-9a-f]{17}\s+RDSH-DE-01\s+Online\s+Microsoft Windows Server 2022 Datacenter\s+strict\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+(listed \d+ sessions|acted)\s/
    );
    // The host that lost its connection is listed, never swept.
    expect(row('RDSH-US-03')).toMatch(/\sConnectionLost\s.*\s-\s+-\s/);
    expect(row('RDSH-LAB-01')).toBe('');

    expectExit(firstPage, 0);
    const cursor = /^more: --cursor (\S+)$/m.exec(firstPage.stdout)?.[1];
    expect(cursor).toBeDefined();
    expect(firstPage.stdout.trimEnd().split('\n')).toHaveLength(1 + 5 + 1);
    const instanceIds = (text: string): string[] => text.match(/^i-[0-9a-f]{17}/gm) ?? [];
    const seen = instanceIds(firstPage.stdout);
    for (let next = cursor; next !== undefined; ) {
      const page = await janitor(['hosts', '--limit', '5', '--cursor', next]);
      expectExit(page, 0);
      seen.push(...instanceIds(page.stdout));
      next = /^more: --cursor (\S+)$/m.exec(page.stdout)?.[1];
    }
    expect(seen.sort()).toEqual(instanceIds(hostsTable.stdout).sort());

    const missing = await janitor(['sweeps', 'sw-2020-01-01T00:00:00Z']);
    expectExit(missing, EXIT_CODES.notFound);
    expect(missing.stderr).toBe(
      'janitor sweeps: HTTP 404 not-found: no sweep sw-2020-01-01T00:00:00Z\n'
    );
  });
});

describe('bin/janitor.js', () => {
  it('runs the TypeScript CLI with the same output and exit codes', async () => {
    const host = e2e.hostId('RDSH-JP-01');
    const [help, commandHelp, usage, sessions, unauthorized] = await Promise.all([
      janitor(['--help'], { bin: true, config: false }),
      janitor(['close-file', '--help'], { bin: true, config: false }),
      janitor(['actions'], { bin: true }),
      janitor(['sessions', host], { bin: true }),
      janitor(['sessions', host, '--token', 'expired'], { bin: true }),
    ]);
    expectExit(help, 0);
    expect(help.stdout).toContain('Usage: janitor <command>');
    expectExit(commandHelp, 0);
    expect(commandHelp.stdout).toMatch(/^janitor close-file INSTANCE_ID/);
    expectExit(usage, EXIT_CODES.usage);
    expect(usage.stderr).toContain('give exactly one of --host, --ticket or --user');
    expectExit(sessions, 0);
    expect(sessions.stdout).toMatch(/^ID\s+USER/);
    expectExit(unauthorized, EXIT_CODES.unauthorized);
  });
});
