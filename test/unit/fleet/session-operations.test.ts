import { describe, expect, it } from 'vitest';
import { ENVELOPE_STDOUT_LIMIT, EXIT } from '../../../lib/ssm/host-contract.js';
import { call, stillFleet } from './fleet-helpers.js';

describe('ListSessions', () => {
  it('prints quser in the envelope with the host culture, patterns, clock and offset', async () => {
    const { fleet, byName } = stillFleet();
    const de = byName('RDSH-DE-01');
    const { run, envelope } = await call(fleet, de, { Operation: 'ListSessions' });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(envelope).toMatchObject({
      operation: 'ListSessions',
      exitCode: 0,
      stderr: '',
      stdoutTruncated: false,
      culture: 'de-DE',
      shortDatePattern: 'dd.MM.yyyy',
      shortTimePattern: 'HH:mm',
      hostTimeUtc: '2026-11-23T14:00:00Z',
      utcOffsetMinutes: 60,
      guard: null,
    });
    expect(envelope.stdout.startsWith(' BENUTZERNAME          SITZUNGSNAME')).toBe(true);
    for (const session of fleet.host(de).sessions) {
      expect(envelope.stdout).toContain(` ${session.userName} `);
    }
  });

  it('exits 0 with quser exit code 1 and "No User exists for *" on stderr when nobody is logged on', async () => {
    const { fleet, fileServer } = stillFleet();
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'ListSessions' });
    expect(run.exitCode).toBe(EXIT.ok);
    expect(envelope.exitCode).toBe(1);
    expect(envelope.stdout).toBe('');
    expect(envelope.stderr).toBe('Kein Benutzer vorhanden für *\r\n');
  });

  it('trims stdout to the envelope limit and says so', async () => {
    const { fleet, fileServer } = stillFleet();
    for (let i = 0; i < 220; i++) fleet.addSession(fileServer, { user: `user${i}` });
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListSessions' });
    expect(envelope.stdoutTruncated).toBe(true);
    expect(envelope.stdout).toHaveLength(ENVELOPE_STDOUT_LIMIT);
  });

  it('prints an ASCII-only envelope of at most 20,000 characters, cutting escaped text further', async () => {
    const { fleet, byName } = stillFleet();
    const jp = byName('RDSH-JP-01');
    for (let i = 0; i < 220; i++) fleet.addSession(jp, { user: `user${i}` });
    const { run, envelope } = await call(fleet, jp, { Operation: 'ListSessions' });
    // One line, as [Console]::Out.WriteLine ends it on Windows.
    expect(run.stdout).toMatch(/^[\x20-\x7e]+\r\n$/);
    expect(run.stdout.trimEnd().length).toBeLessThanOrEqual(20_000);
    expect(envelope.stdoutTruncated).toBe(true);
    expect(envelope.stdout.length).toBeLessThan(ENVELOPE_STDOUT_LIMIT);
    expect(envelope.stdout).toContain('アクティブ');
  });
});

describe('DisconnectSession', () => {
  it('disconnects the session: Disc with an empty SESSIONNAME afterwards', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'CORP\\alice', idleMinutes: 30 });
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'DisconnectSession',
      SessionId: String(id),
      ExpectedUser: 'CORP\\alice',
    });
    expect(run.exitCode).toBe(0);
    expect(envelope).toMatchObject({ exitCode: 0, stdout: '', stderr: '', guard: null });
    expect(fleet.host(fileServer).sessions).toEqual([
      expect.objectContaining({ id, state: 'disconnected', sessionName: null, idleMinutes: 30 }),
    ]);
    const listed = await call(fleet, fileServer, { Operation: 'ListSessions' });
    expect(listed.envelope.stdout).toMatch(/\r\n alice {37}1 {2}Getr\. /);
  });

  it('refuses the console session with guard 22 and leaves it connected', async () => {
    const { fleet, rdsh } = stillFleet();
    const { run, envelope } = await call(fleet, rdsh, {
      Operation: 'DisconnectSession',
      SessionId: '1',
      ExpectedUser: 'Administrator',
    });
    expect(run.exitCode).toBe(EXIT.guardConsole);
    expect(envelope.exitCode).toBe(22);
    expect(envelope.guard?.code).toBe('console-session');
    expect(envelope.guard?.message).toBe(
      'Session 1 is the console session, which is never disconnected.'
    );
    expect(envelope.stderr).toBe(envelope.guard?.message);
    expect(fleet.host(rdsh).sessions[0]).toMatchObject({ id: 1, state: 'active', console: true });
  });

  it('answers Access denied for a protected account, localized, and changes nothing', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'svc_backup', protected: true });
    const before = fleet.host(fileServer);
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'DisconnectSession',
      SessionId: String(id),
      ExpectedUser: 'svc_backup',
    });
    expect(run.exitCode).toBe(EXIT.commandFailed);
    expect(envelope.guard).toBeNull();
    expect(envelope.stderr).toContain('Fehler [5]:Zugriff verweigert');
    expect(fleet.host(fileServer)).toEqual(before);
  });
});

describe('LogoffSession', () => {
  it('ends the session, and the SMB sessions and open files it held on a file server', async () => {
    const { fleet, rdsh, fileServer } = stillFleet();
    const server = fleet.host(fileServer);
    const fromUs01 = server.smbSessions.filter(
      (s) => s.clientComputerName === fleet.instance(rdsh)?.ipAddress
    );
    const target = fleet
      .host(rdsh)
      .sessions.find((s) =>
        fromUs01.some((smb) => smb.clientUserName === `${s.domain}\\${s.userName}`)
      );
    if (!target) throw new Error('seed 11 must link an RDSH-US-01 user to FS-DE-01');
    const account = `${target.domain}\\${target.userName}`;
    const { run } = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(target.id),
      ExpectedUser: account,
    });
    expect(run.exitCode).toBe(0);
    expect(fleet.host(rdsh).sessions.map((s) => s.id)).not.toContain(target.id);
    const after = fleet.host(fileServer);
    expect(after.smbSessions.some((s) => s.clientUserName === account)).toBe(false);
    expect(after.openFiles.some((f) => f.clientUserName === account)).toBe(false);
    expect(after.smbSessions.length).toBeLessThan(server.smbSessions.length);
  });

  it('answers Access denied for svc_backup, with the TS tool lines, exit 1', async () => {
    const { fleet, rdsh } = stillFleet();
    const svc = fleet.host(rdsh).sessions.find((s) => s.userName === 'svc_backup');
    expect(svc?.protected).toBe(true);
    const { run, envelope } = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(svc?.id),
      ExpectedUser: 'CORP\\svc_backup',
    });
    expect(run.exitCode).toBe(1);
    expect(envelope.stderr).toBe(
      `Could not logoff session ID ${svc?.id}, Error code 5\r\nError [5]:Access is denied.\r\nlogoff.exe exited with code 1.`
    );
    expect(fleet.host(rdsh).sessions).toContainEqual(expect.objectContaining({ id: svc?.id }));
  });

  it('lets a reused session id reach the guard: the new owner is never logged off', async () => {
    const { fleet, fileServer } = stillFleet();
    const aliceId = fleet.addSession(fileServer, { user: 'alice', idleMinutes: 200 });
    await call(fleet, fileServer, {
      Operation: 'LogoffSession',
      SessionId: String(aliceId),
      ExpectedUser: 'alice',
    });
    const bobId = fleet.addSession(fileServer, { user: 'bob' });
    expect(bobId).toBe(aliceId);
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'LogoffSession',
      SessionId: String(aliceId),
      ExpectedUser: 'CORP\\alice',
    });
    expect(run.exitCode).toBe(EXIT.guardUserMismatch);
    expect(envelope.guard).toEqual({
      code: 'user-mismatch',
      message: `Session ${aliceId} belongs to CORP\\bob, not to the expected user.`,
    });
    expect(fleet.host(fileServer).sessions).toEqual([expect.objectContaining({ userName: 'bob' })]);
  });

  it('refuses an id with no session with guard 20', async () => {
    const { fleet, fileServer } = stillFleet();
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'LogoffSession',
      SessionId: '42',
      ExpectedUser: 'alice',
    });
    expect(run.exitCode).toBe(EXIT.guardSessionNotFound);
    expect(envelope.guard).toEqual({
      code: 'session-not-found',
      message: 'Session 42 does not exist.',
    });
  });

  it.each(['0', '65536'])(
    'refuses session %s, which exists without a user, as belonging to nobody',
    async (id) => {
      const { fleet, fileServer } = stillFleet();
      const { run, envelope } = await call(fleet, fileServer, {
        Operation: 'LogoffSession',
        SessionId: id,
        ExpectedUser: 'SYSTEM',
      });
      expect(run.exitCode).toBe(EXIT.guardUserMismatch);
      expect(envelope.guard?.message).toBe(
        `Session ${id} belongs to nobody, not to the expected user.`
      );
    }
  );

  it.each([['CORP\\Alice'], ['corp\\ALICE'], ['alice']])(
    'accepts ExpectedUser %s for CORP\\alice (case-insensitive, domain optional)',
    async (expected) => {
      const { fleet, fileServer } = stillFleet();
      const id = fleet.addSession(fileServer, { user: 'CORP\\alice' });
      const { run } = await call(fleet, fileServer, {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: expected,
      });
      expect(run.exitCode).toBe(0);
      expect(fleet.host(fileServer).sessions).toEqual([]);
    }
  );

  it.each(['OTHER\\alice', 'alice@corp.example', 'bob'])(
    'refuses ExpectedUser %s for CORP\\alice',
    async (expected) => {
      const { fleet, fileServer } = stillFleet();
      const id = fleet.addSession(fileServer, { user: 'CORP\\alice' });
      const { run } = await call(fleet, fileServer, {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: expected,
      });
      expect(run.exitCode).toBe(EXIT.guardUserMismatch);
      expect(fleet.host(fileServer).sessions).toHaveLength(1);
    }
  );

  it.each([
    [{ SessionId: 'abc', ExpectedUser: 'alice' }],
    [{ SessionId: '', ExpectedUser: 'alice' }],
    [{ SessionId: '70000', ExpectedUser: 'alice' }],
    [{ SessionId: '02', ExpectedUser: 'alice' }],
    [{ SessionId: '2' }],
    [{ SessionId: '2', ExpectedUser: 'a\\b\\c' }],
  ])('rejects bad parameters %j with exit 2 and changes nothing', async (parameters) => {
    const { fleet, fileServer } = stillFleet();
    fleet.addSession(fileServer, { user: 'alice' });
    const before = fleet.host(fileServer);
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'LogoffSession',
      ...parameters,
    });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(envelope.stderr).not.toBe('');
    expect(envelope.guard).toBeNull();
    expect(fleet.host(fileServer)).toEqual(before);
  });
});

describe('NotifySession', () => {
  it('sends the message with its timeout to the guarded session', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice' });
    const { run } = await call(fleet, fileServer, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'alice',
      Message: 'You will be logged off in 5 minutes. Save your work.',
      WarnSeconds: '300',
    });
    expect(run.exitCode).toBe(0);
    expect(fleet.host(fileServer).notifications).toEqual([
      {
        sessionId: id,
        userName: 'alice',
        message: 'You will be logged off in 5 minutes. Save your work.',
        seconds: 300,
        sentAt: '2026-11-23T14:00:00Z',
      },
    ]);
  });

  it('rejects WarnSeconds 0 as the document does', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice' });
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'alice',
      Message: 'hello',
      WarnSeconds: '0',
    });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(envelope.stderr).toBe('WarnSeconds must be a number of seconds (1-86400).');
  });

  it('rejects WarnSeconds above the document range of 86400', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice' });
    const { run } = await call(fleet, fileServer, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'alice',
      Message: 'hello',
      WarnSeconds: '86401',
    });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(fleet.host(fileServer).notifications).toEqual([]);
  });

  it('refuses message text that would break out of its msg.exe argument', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice' });
    for (const Message of [
      'Save "now" /server:x',
      'trailing \\',
      'two\r\nlines',
      ' leading space',
    ]) {
      const { run, envelope } = await call(fleet, fileServer, {
        Operation: 'NotifySession',
        SessionId: String(id),
        ExpectedUser: 'alice',
        Message,
      });
      expect(run.exitCode).toBe(EXIT.badParameters);
      expect(envelope.stderr).toMatch(/^NotifySession needs Message \(1-255 characters/);
    }
    expect(fleet.host(fileServer).notifications).toEqual([]);
  });

  it('needs a message and refuses someone else’s session', async () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice' });
    const noMessage = await call(fleet, fileServer, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'alice',
    });
    expect(noMessage.run.exitCode).toBe(EXIT.badParameters);
    const wrongUser = await call(fleet, fileServer, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'bob',
      Message: 'hello',
    });
    expect(wrongUser.run.exitCode).toBe(EXIT.guardUserMismatch);
    expect(fleet.host(fileServer).notifications).toEqual([]);
  });
});

describe('run', () => {
  it('rejects an unknown instance and a host whose agent is not online', async () => {
    const { fleet, rdsh } = stillFleet();
    await expect(
      fleet.run('i-0000000000000000', { Operation: 'ListSessions' })
    ).rejects.toMatchObject({
      name: 'FleetError',
      code: 'unknown-instance',
    });
    fleet.setPingStatus(rdsh, 'ConnectionLost');
    await expect(fleet.run(rdsh, { Operation: 'ListSessions' })).rejects.toMatchObject({
      code: 'host-unreachable',
    });
    expect(fleet.instance(rdsh)?.pingStatus).toBe('ConnectionLost');
  });

  it('reports the slow host’s extra run time', async () => {
    const { fleet, rdsh } = stillFleet();
    fleet.setSlow(rdsh, 2500);
    const { run } = await call(fleet, rdsh, { Operation: 'ListSessions' });
    expect(run.durationMs).toBe(2500);
    expect(() => fleet.setSlow(rdsh, -1)).toThrow(/≥ 0/);
  });
});
