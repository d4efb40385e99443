import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../lib/ssm/host-contract.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { call, stillFleet } from './fleet-helpers.js';

/**
 * The stand-in's guards against a delayed command (issue 11.2) and its read-back after acting
 * (issue 11.6); test/e2e/real-script-agreement.test.ts holds it to the real script.
 */

function logonTimeOf(fleet: SimulatedFleet, host: string, sessionId: number): string {
  const view = fleet.host(host);
  const session = view.sessions.find((s) => s.id === sessionId);
  return new Date(Date.parse(session?.logonTime ?? '') + view.utcOffsetMinutes * 60_000)
    .toISOString()
    .slice(0, 16);
}

describe('the guards of a delayed command', () => {
  it('refuses a new logon of the same user into the same session id (the zoe scenario)', async () => {
    const { fleet, rdsh } = stillFleet();
    const id = fleet.addSession(rdsh, {
      user: 'CORP\\zoe',
      state: 'disconnected',
      idleMinutes: 78,
      loggedOnMinutes: 180,
    });
    const planned = logonTimeOf(fleet, rdsh, id);
    fleet.logOff(rdsh, id);
    expect(fleet.addSession(rdsh, { user: 'CORP\\zoe', loggedOnMinutes: 2 })).toBe(id);
    const { run, envelope } = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(id),
      ExpectedUser: 'CORP\\zoe',
      ExpectedLogonTime: planned,
      ExpectedState: 'disconnected',
      MinDisconnectedMinutes: '15',
    });
    expect(run.exitCode).toBe(EXIT.guardLogonMismatch);
    expect(envelope.guard).toEqual({
      code: 'logon-mismatch',
      message: `Session ${id} is a logon of ${logonTimeOf(fleet, rdsh, id)}, not the expected one of ${planned}.`,
    });
    expect(fleet.host(rdsh).sessions.find((s) => s.id === id)?.state).toBe('active');
  });

  it('refuses by state, idle and disconnected time, each with its own code, and acts when all hold', async () => {
    const { fleet, rdsh } = stillFleet();
    const away = fleet.addSession(rdsh, {
      user: 'away',
      state: 'disconnected',
      idleMinutes: 78,
      disconnectedMinutes: 10,
    });
    const typing = fleet.addSession(rdsh, { user: 'typing', idleMinutes: 2 });
    const logoff = (sessionId: number, user: string, extra: Record<string, string>) =>
      call(fleet, rdsh, {
        Operation: 'LogoffSession',
        SessionId: String(sessionId),
        ExpectedUser: user,
        ...extra,
      });
    const tooShort = await logoff(away, 'away', { MinDisconnectedMinutes: '15' });
    expect(tooShort.envelope.guard?.message).toBe(
      `Session ${away} has been disconnected 10 min, less than 15 min.`
    );
    expect(tooShort.run.exitCode).toBe(EXIT.guardDisconnectedTooShort);
    const wrongState = await logoff(typing, 'typing', { ExpectedState: 'disconnected' });
    expect(wrongState.envelope.guard?.message).toBe(
      `Session ${typing} is active, not disconnected.`
    );
    const notIdle = await logoff(typing, 'typing', { MinIdleMinutes: '20' });
    expect(notIdle.envelope.guard?.message).toBe(
      `Session ${typing} has been idle 2 min, less than 20 min.`
    );
    expect(fleet.host(rdsh).sessions.map((s) => s.id)).toEqual(
      expect.arrayContaining([away, typing])
    );
    fleet.advance(5);
    const done = await logoff(away, 'away', {
      ExpectedLogonTime: logonTimeOf(fleet, rdsh, away),
      ExpectedState: 'disconnected',
      MinDisconnectedMinutes: '15',
    });
    expect(done.run.exitCode).toBe(EXIT.ok);
    expect(done.envelope.readBack).toEqual({ state: 'gone', confirmed: true });
  });

  it('refuses malformed guard values (exit 2) before asking WTS anything', async () => {
    const { fleet, rdsh } = stillFleet();
    const id = fleet.addSession(rdsh, { user: 'alice' });
    const { run, envelope } = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(id),
      ExpectedUser: 'alice',
      ExpectedLogonTime: '2026-11-21 18:16',
    });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(envelope.stderr).toBe('LogoffSession needs ExpectedLogonTime as yyyy-MM-ddTHH:mm.');
  });
});

describe('the read-back after acting', () => {
  it('confirms a disconnect (disconnected) and a logoff (gone)', async () => {
    const { fleet, rdsh } = stillFleet();
    const id = fleet.addSession(rdsh, { user: 'alice', idleMinutes: 30 });
    const disconnect = await call(fleet, rdsh, {
      Operation: 'DisconnectSession',
      SessionId: String(id),
      ExpectedUser: 'alice',
    });
    expect(disconnect.envelope.readBack).toEqual({ state: 'disconnected', confirmed: true });
    const logoff = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(id),
      ExpectedUser: 'alice',
    });
    expect(logoff.envelope.readBack).toEqual({ state: 'gone', confirmed: true });
    expect(logoff.run.exitCode).toBe(EXIT.ok);
  });

  it('fails a logoff of a hung session with exit 3: the tool said yes, Windows shows it active', async () => {
    const { fleet, rdsh } = stillFleet();
    const id = fleet.addSession(rdsh, { user: 'stuck', hung: true });
    const { run, envelope } = await call(fleet, rdsh, {
      Operation: 'LogoffSession',
      SessionId: String(id),
      ExpectedUser: 'stuck',
    });
    expect(run.exitCode).toBe(EXIT.notConfirmed);
    expect(envelope).toMatchObject({
      exitCode: EXIT.notConfirmed,
      guard: null,
      readBack: { state: 'active', confirmed: false },
      stderr: `logoff.exe exited with code 0, but session ${id} is still active.`,
    });
  });

  it('reads nothing back for a message', async () => {
    const { fleet, rdsh } = stillFleet();
    const id = fleet.addSession(rdsh, { user: 'alice' });
    const { envelope } = await call(fleet, rdsh, {
      Operation: 'NotifySession',
      SessionId: String(id),
      ExpectedUser: 'alice',
      Message: 'Hello',
    });
    expect(envelope.readBack).toBeNull();
  });
});
