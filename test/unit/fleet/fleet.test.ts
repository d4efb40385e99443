import { describe, expect, it } from 'vitest';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { SessionIdleNotice, SimulatedFleet } from '../../../local/fleet/types.js';
import { call, stillFleet } from './fleet-helpers.js';

describe('the default fleet', () => {
  const fleet = createFleet();
  const instances = fleet.instances();

  it('has 10 session hosts (one unmanaged, one ConnectionLost) and 2 file servers', () => {
    expect(instances).toHaveLength(12);
    expect(instances.filter((i) => i.role === 'session-host')).toHaveLength(10);
    expect(instances.filter((i) => i.role === 'file-server')).toHaveLength(2);
    expect(instances.filter((i) => i.tags['session-janitor:managed'] !== 'true')).toEqual([
      expect.objectContaining({ computerName: 'RDSH-LAB-01' }),
    ]);
    expect(instances.filter((i) => i.pingStatus !== 'Online')).toEqual([
      expect.objectContaining({ computerName: 'RDSH-US-03', pingStatus: 'ConnectionLost' }),
    ]);
  });

  it('covers the six locales and names instances like EC2 does', () => {
    expect(new Set(instances.map((i) => i.locale))).toEqual(
      new Set(['en-US', 'de-DE', 'fr-FR', 'es-ES', 'ru-RU', 'ja-JP'])
    );
    for (const i of instances) {
      expect(i.instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
      expect(i.computerName).toMatch(/^(RDSH|FS)-[A-Z]+-\d{2}$/);
      expect(i.tags['session-janitor:policy-group']).toBeTruthy();
      expect(i.platformType).toBe('Windows');
    }
    expect(new Set(instances.map((i) => i.instanceId)).size).toBe(12);
  });

  it('gives every session host a console session and 2–6 RDP users', () => {
    for (const i of instances.filter((x) => x.role === 'session-host')) {
      const sessions = fleet.host(i.instanceId).sessions;
      expect(sessions[0]).toMatchObject({ id: 1, console: true, userName: 'Administrator' });
      const users = sessions.filter(
        (s) => !s.console && !s.protected && s.userName !== 'christopher.montgomery-smyth'
      );
      expect(users.length).toBeGreaterThanOrEqual(2);
      expect(users.length).toBeLessThanOrEqual(6);
    }
  });

  it('has protected svc_backup sessions, long-disconnected sessions and SMB sessions with open files', () => {
    const all = instances.map((i) => fleet.host(i.instanceId));
    const sessions = all.flatMap((h) => h.sessions);
    expect(sessions.filter((s) => s.userName === 'svc_backup' && s.protected)).toHaveLength(3);
    expect(sessions.some((s) => s.state === 'disconnected' && s.idleMinutes > 120)).toBe(true);
    for (const server of all.filter((h) => h.instance.role === 'file-server')) {
      expect(server.smbSessions.length).toBeGreaterThanOrEqual(4);
      expect(server.openFiles.length).toBeGreaterThan(0);
      for (const f of server.openFiles) {
        expect(f.path).toMatch(/^D:\\Shares\\/);
        expect(BigInt(f.fileId)).toBeGreaterThan(2n ** 32n);
      }
    }
  });

  it('takes the first n hosts, and cycles extra session hosts past twelve', () => {
    expect(
      createFleet({ hosts: 3 })
        .instances()
        .map((i) => i.computerName)
    ).toEqual(['RDSH-US-01', 'RDSH-DE-01', 'RDSH-FR-01']);
    const big = createFleet({ hosts: 20 }).instances();
    expect(big).toHaveLength(20);
    expect(new Set(big.map((i) => i.computerName)).size).toBe(20);
  });

  it('uses the tag keys it is given', () => {
    const custom = createFleet({ hosts: 1, managedTagKey: 'janitor', groupTagKey: 'group' });
    expect(custom.instances()[0]?.tags).toEqual({
      Name: 'RDSH-US-01',
      janitor: 'true',
      group: 'default',
    });
  });
});

async function transcript(fleet: SimulatedFleet): Promise<string[]> {
  const out: string[] = [];
  for (const i of fleet.instances()) {
    if (i.pingStatus !== 'Online') continue;
    for (const Operation of ['ListSessions', 'ListSmbSessions', 'ListOpenFiles'] as const) {
      out.push((await fleet.run(i.instanceId, { Operation })).stdout);
    }
  }
  return out;
}

describe('determinism', () => {
  it('replays identically for the same seed and calls, and differs for another seed', async () => {
    const run = async (seed: number) => {
      const fleet = createFleet({ seed });
      const notices: SessionIdleNotice[] = [];
      fleet.onSessionIdle((n) => notices.push(n));
      fleet.advance(240);
      return { instances: fleet.instances(), notices, outputs: await transcript(fleet) };
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(b).toEqual(a);
    expect(c.instances.map((i) => i.instanceId)).not.toEqual(a.instances.map((i) => i.instanceId));
  });
});

describe('advance', () => {
  it('moves the clock and ages idle sessions', () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'alice', idleMinutes: 5 });
    fleet.advance(90);
    expect(fleet.now().toISOString()).toBe('2026-11-23T15:30:00.000Z');
    expect(fleet.host(fileServer).sessions.find((s) => s.id === id)?.idleMinutes).toBe(95);
  });

  it('lets users live over a simulated day: disconnect, return, log off, log on with reused ids', () => {
    const fleet = createFleet({ seed: 3 });
    const seen = { disconnect: 0, reconnect: 0, logoff: 0, logon: 0, reused: 0 };
    const ids = new Map<string, Map<number, { user: string; state: string; logon: string }>>();
    const snapshot = () => {
      for (const i of fleet.instances()) {
        const previous = ids.get(i.instanceId) ?? new Map();
        const current = new Map(
          fleet
            .host(i.instanceId)
            .sessions.map((s) => [s.id, { user: s.userName, state: s.state, logon: s.logonTime }])
        );
        for (const [id, s] of current) {
          const before = previous.get(id);
          if (!before) seen.logon++;
          else if (before.logon !== s.logon) seen.reused++;
          else if (before.state === 'active' && s.state === 'disconnected') seen.disconnect++;
          else if (before.state === 'disconnected' && s.state === 'active') seen.reconnect++;
        }
        for (const id of previous.keys()) if (!current.has(id)) seen.logoff++;
        ids.set(i.instanceId, current);
      }
    };
    snapshot();
    seen.logon = 0;
    for (let minute = 0; minute < 24 * 60; minute += 5) {
      fleet.advance(5);
      snapshot();
    }
    expect(seen.disconnect).toBeGreaterThan(0);
    expect(seen.reconnect).toBeGreaterThan(0);
    expect(seen.logoff).toBeGreaterThan(0);
    expect(seen.logon + seen.reused).toBeGreaterThan(0);
  });

  it('rejects anything but whole minutes and changes nothing', () => {
    const { fleet } = stillFleet();
    const before = fleet.now().getTime();
    for (const bad of [-1, 1.5, Number.NaN, 10_000_000]) {
      expect(() => fleet.advance(bad)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    }
    expect(fleet.now().getTime()).toBe(before);
  });
});

describe('onSessionIdle', () => {
  it('puts nothing for a session that only goes idle: a watcher sees disconnects, not idleness', () => {
    const fleet = createFleet({ hosts: 7, liveSessions: false });
    const server = fleet.instances()[6]?.instanceId ?? '';
    fleet.addSession(server, { user: 'alice', idleMinutes: 8, loggedOnMinutes: 60 });
    fleet.addSession(server, { user: 'bob', state: 'disconnected', idleMinutes: 9 });
    const notices: SessionIdleNotice[] = [];
    fleet.onSessionIdle((n) => n.instanceId === server && notices.push(n));
    fleet.advance(120);
    expect(notices).toEqual([]);
  });
});

describe("the watcher's notices", () => {
  it('fire when the host idle limit disconnects a session: event 40, reason 3, the next record id', () => {
    const fleet = createFleet({ hosts: 7, liveSessions: false });
    const server = fleet.instances()[6]?.instanceId ?? '';
    const a = fleet.addSession(server, {
      user: 'CONTOSO\\alice',
      idleMinutes: 28,
      loggedOnMinutes: 90,
    });
    const b = fleet.addSession(server, { user: 'bob', idleMinutes: 29 });
    fleet.addSession(server, { user: 'admin', console: true, idleMinutes: 100 });
    const notices: SessionIdleNotice[] = [];
    fleet.onSessionIdle((n) => notices.push(n));
    fleet.setIdleLimit(server, 30);

    fleet.advance(1);
    fleet.advance(1);
    fleet.advance(5);

    expect(notices).toEqual([
      {
        instanceId: server,
        sessionId: b,
        userName: 'CORP\\bob',
        state: 'disconnected',
        idleMinutes: 0,
        logonTime: null,
        observedAt: '2026-11-23T14:01:00Z',
        windowsEvent: { eventId: 40, recordId: expect.any(Number), reasonCode: 3 },
      },
      expect.objectContaining({
        sessionId: a,
        userName: 'CONTOSO\\alice',
        observedAt: '2026-11-23T14:02:00Z',
        windowsEvent: expect.objectContaining({ eventId: 40, reasonCode: 3 }),
      }),
    ]);
    // 40 and 24 both take a record: the next disconnect's 40 is two records on.
    expect(notices[1]?.windowsEvent.recordId).toBe((notices[0]?.windowsEvent.recordId ?? 0) + 2);
    const sessions = fleet.host(server).sessions;
    expect(sessions.find((s) => s.id === a)?.state).toBe('disconnected');
    expect(sessions.find((s) => s.id === b)?.state).toBe('disconnected');
    expect(sessions.find((s) => s.console)?.state).toBe('active');

    fleet.setIdleLimit(server, null);
    const c = fleet.addSession(server, { user: 'carol', idleMinutes: 40 });
    fleet.advance(2);
    expect(notices.map((n) => n.sessionId)).not.toContain(c);
    expect(() => fleet.setIdleLimit(server, 0)).toThrow(
      expect.objectContaining({ code: 'invalid-input' })
    );
  });

  it('fire with event 24 when a live user disconnects, never twice for one disconnect', () => {
    const fleet = createFleet({ seed: 9 });
    const notices: SessionIdleNotice[] = [];
    // Every notice of the live default fleet: all of them are the watcher's.
    fleet.onSessionIdle((n) => notices.push(n));
    fleet.advance(240);
    expect(notices.length).toBeGreaterThan(0);
    for (const n of notices) {
      expect(n).toMatchObject({
        state: 'disconnected',
        idleMinutes: 0,
        logonTime: null,
        windowsEvent: { eventId: 24 },
      });
      expect(n.userName).toMatch(/^CORP\\/);
    }
    const records = notices.map((n) => `${n.instanceId}:${n.windowsEvent.recordId}`);
    expect(new Set(records).size).toBe(records.length);
  });
});

describe('test helpers', () => {
  it('hands out the lowest free session id and refuses one in use', () => {
    const { fleet, fileServer } = stillFleet();
    expect(fleet.addSession(fileServer, { user: 'a' })).toBe(1);
    expect(fleet.addSession(fileServer, { user: 'b', sessionId: 5 })).toBe(5);
    expect(fleet.addSession(fileServer, { user: 'c' })).toBe(2);
    expect(() => fleet.addSession(fileServer, { user: 'd', sessionId: 5 })).toThrow(
      expect.objectContaining({ code: 'session-id-in-use' })
    );
  });

  it.each([
    [{ user: '' }],
    [{ user: 'a b' }],
    [{ user: 'a', idleMinutes: -1 }],
    [{ user: 'a', idleMinutes: 30, loggedOnMinutes: 10 }],
    [{ user: 'a', sessionId: 0 }],
  ])('rejects addSession(%j) with a typed error and changes nothing', (input) => {
    const { fleet, fileServer } = stillFleet();
    const before = fleet.host(fileServer);
    expect(() => fleet.addSession(fileServer, input)).toThrow(
      expect.objectContaining({ name: 'FleetError', code: 'invalid-input' })
    );
    expect(fleet.host(fileServer)).toEqual(before);
  });

  it('holds a disconnected console session: still the console, but without a session name', () => {
    const { fleet, fileServer } = stillFleet();
    const id = fleet.addSession(fileServer, { user: 'a', console: true, state: 'disconnected' });
    const session = fleet.host(fileServer).sessions.find((s) => s.id === id);
    expect(session).toMatchObject({ console: true, sessionName: null, state: 'disconnected' });
  });

  it('rejects bad SMB and file input with typed errors and changes nothing', () => {
    const { fleet, fileServer } = stillFleet();
    const before = fleet.host(fileServer);
    expect(() => fleet.addSmbSession(fileServer, { clientComputerName: '', user: 'a' })).toThrow(
      expect.objectContaining({ code: 'invalid-input' })
    );
    expect(() => fleet.addOpenFile(fileServer, { smbSessionId: '1', path: 'D:\\x' })).toThrow(
      expect.objectContaining({ code: 'unknown-smb-session' })
    );
    expect(() =>
      fleet.addOpenFile(fileServer, { clientComputerName: 'pc', user: 'a', path: 'relative.txt' })
    ).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    const taken = before.openFiles[0]?.fileId ?? '';
    expect(() =>
      fleet.addOpenFile(fileServer, {
        clientComputerName: 'pc',
        user: 'a',
        path: 'D:\\x',
        fileId: taken,
      })
    ).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => fleet.host('i-0nothere')).toThrow(
      expect.objectContaining({ code: 'unknown-instance' })
    );
    expect(fleet.host(fileServer)).toEqual(before);
  });

  it('returns snapshots: changing a view changes no host', async () => {
    const { fleet, rdsh } = stillFleet();
    const view = fleet.host(rdsh);
    view.sessions.length = 0;
    view.instance.tags.Name = 'changed';
    const instance = fleet.instance(rdsh);
    if (instance) instance.pingStatus = 'Inactive';
    expect(fleet.host(rdsh).sessions.length).toBeGreaterThan(0);
    expect(fleet.instance(rdsh)).toMatchObject({
      pingStatus: 'Online',
      tags: { Name: 'RDSH-US-01' },
    });
    const { envelope } = await call(fleet, rdsh, { Operation: 'ListSessions' });
    expect(envelope.exitCode).toBe(0);
  });
});
