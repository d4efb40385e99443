import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { type E2e, startE2e } from './harness.js';

const WARNING = 'You have been idle for a while. You will be logged off in {minutes} minutes.';

const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 500 },
  userGroups: { 'service-accounts': ['svc_*'] },
  default: {
    disconnectIdleMinutes: 30,
    logoffDisconnectedMinutes: 120,
    // The console's Administrator is deliberately not excluded: the planner itself must spare it.
    exclude: { users: ['CORP\\e2e.vip'], groups: ['service-accounts'] },
    maxActionsPerHost: 50,
  },
  groups: {
    strict: { logoffIdleMinutes: 60, warn: { minutesBefore: 10, message: WARNING } },
    'file-servers': { disconnectIdleMinutes: null, logoffDisconnectedMinutes: null },
  },
};

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e(POLICY);
});
afterAll(async () => {
  await e2e?.stop();
});

async function hostActions(instanceId: string): Promise<Action[]> {
  return (await e2e.runtime.ledger.listByHost(instanceId, { limit: 200, order: 'asc' })).items;
}

function sessionOf(action: Action): { sessionId: number; expectedUser: string } {
  if (action.target.kind !== 'session') throw new Error(`${action.id} is not a session action`);
  return action.target;
}

/** A sweep as the scheduler would run it, at the fleet's current time. */
async function sweep() {
  const result = await e2e.runtime.sweepNow(e2e.runtime.fleet.now());
  await e2e.runtime.settle();
  expect(result.repeated).toBe(false);
  return result;
}

describe('a scheduled sweep', () => {
  it('warns an idle session first and logs it off only after the warning ran out', async () => {
    // The whole runtime runs on the fleet's clock, so advancing it advances the warning too.
    const { runtime } = e2e;
    const strict = e2e.hostId('RDSH-DE-02');
    const relaxed = e2e.hostId('RDSH-US-02');
    const warned = runtime.fleet.addSession(strict, { user: 'CORP\\e2e.warned', idleMinutes: 55 });
    const unwarned = runtime.fleet.addSession(relaxed, {
      user: 'CORP\\e2e.unwarned',
      idleMinutes: 150,
      state: 'disconnected',
    });

    await sweep();
    const notification = runtime.fleet
      .host(strict)
      .notifications.find((n) => n.sessionId === warned);
    expect(notification).toMatchObject({
      userName: 'e2e.warned',
      message: WARNING.replace('{minutes}', '10'),
      seconds: 600,
    });
    expect(runtime.fleet.host(strict).sessions.map((s) => s.id)).toContain(warned);
    // The default group has no warning: its logoff goes straight out.
    expect(runtime.fleet.host(relaxed).sessions.map((s) => s.id)).not.toContain(unwarned);
    expect(runtime.fleet.host(relaxed).notifications).toEqual([]);

    // Nine minutes on, the warning still runs: nothing more happens to that session.
    runtime.fleet.advance(9);
    await sweep();
    expect(runtime.fleet.host(strict).sessions.map((s) => s.id)).toContain(warned);

    runtime.fleet.advance(2);
    await sweep();
    expect(runtime.fleet.host(strict).sessions.map((s) => s.id)).not.toContain(warned);

    const story = (await hostActions(strict)).filter(
      (a) => sessionOf(a).expectedUser === 'e2e.warned'
    );
    expect(story.map((a) => [a.operation, a.status])).toEqual([
      ['notify', 'succeeded'],
      ['logoff', 'succeeded'],
    ]);
    expect(story[0]).toMatchObject({ policy: 'strict', warnSeconds: 600 });
    expect(story[1]?.reason).toContain('after the warning');
    const unwarnedStory = (await hostActions(relaxed)).filter(
      (a) => sessionOf(a).expectedUser === 'e2e.unwarned'
    );
    expect(unwarnedStory.map((a) => [a.operation, a.status])).toEqual([['logoff', 'succeeded']]);
  });

  it('disconnects idle sessions and logs long-disconnected ones off, sparing excluded users and the console', async () => {
    const { runtime } = e2e;
    runtime.fleet.advance(45);
    const host = e2e.hostId('RDSH-US-01');
    const add = (user: string, idleMinutes: number, state: 'active' | 'disconnected') =>
      runtime.fleet.addSession(host, { user: `CORP\\${user}`, idleMinutes, state });
    const idle = add('e2e.idle', 45, 'active');
    const fresh = add('e2e.fresh', 5, 'active');
    const gone = add('e2e.gone', 200, 'disconnected');
    const recent = add('e2e.recent', 30, 'disconnected');
    const vip = add('e2e.vip', 300, 'active');
    const lab = e2e.hostId('RDSH-LAB-01');
    const labBefore = runtime.fleet.host(lab).sessions;

    const result = await sweep();
    expect(Object.values(result.groups).flat()).toContain(host);
    expect(Object.values(result.groups).flat()).not.toContain(lab);

    const sessions = new Map(runtime.fleet.host(host).sessions.map((s) => [s.id, s]));
    expect(sessions.get(idle)).toMatchObject({ userName: 'e2e.idle', state: 'disconnected' });
    expect(sessions.has(gone)).toBe(false);
    expect(sessions.get(fresh)).toMatchObject({ userName: 'e2e.fresh', state: 'active' });
    expect(sessions.get(recent)).toMatchObject({ userName: 'e2e.recent', state: 'disconnected' });
    expect(sessions.get(vip)).toMatchObject({ userName: 'e2e.vip', state: 'active' });
    const console = [...sessions.values()].find((s) => s.console);
    expect(console).toMatchObject({ userName: 'Administrator', state: 'active' });
    expect(runtime.fleet.host(host).notifications).toEqual([]);

    const byUser = new Map((await hostActions(host)).map((a) => [sessionOf(a).expectedUser, a]));
    expect(byUser.get('e2e.idle')).toMatchObject({
      operation: 'disconnect',
      status: 'succeeded',
      policy: 'default',
      trigger: { kind: 'schedule', sweepId: result.sweepId },
      target: { sessionId: idle },
    });
    expect(byUser.get('e2e.idle')?.reason).toContain('≥ 30 min');
    expect(byUser.get('e2e.gone')).toMatchObject({ operation: 'logoff', status: 'succeeded' });
    expect(byUser.get('e2e.gone')?.reason).toContain(
      "disconnected 200 min ≥ 120 min (since the host's disconnect time"
    );
    expect(byUser.get('e2e.vip')).toMatchObject({ status: 'skipped', commandId: null });
    expect(byUser.get('e2e.vip')?.reason).toContain("exclusion 'CORP\\e2e.vip'");
    for (const user of ['e2e.fresh', 'e2e.recent', 'Administrator']) {
      expect(byUser.has(user), user).toBe(false);
    }

    // Across the whole fleet: the unmanaged host untouched, nothing sent to the console or to an
    // excluded user, and every command that acted matches a recorded action.
    expect(runtime.fleet.host(lab).sessions).toEqual(labBefore);
    expect(await hostActions(lab)).toEqual([]);
    const recorded = new Map<string, Action>();
    for (const { instanceId } of runtime.fleet.instances()) {
      for (const action of await hostActions(instanceId)) {
        recorded.set(action.id, action);
        const { sessionId, expectedUser } = sessionOf(action);
        const session = runtime.fleet.host(instanceId).sessions.find((s) => s.id === sessionId);
        expect(session?.console ?? false, `${action.id} on a console`).toBe(false);
        if (/^(svc_|e2e\.vip$)/.test(expectedUser)) expect(action.status).toBe('skipped');
      }
    }
    const acting = runtime.ssm
      .commands()
      .filter((c) => c.parameters.Operation?.[0] !== 'ListSessions');
    expect(acting.length).toBeGreaterThan(2);
    for (const command of acting) {
      expect(command.instanceIds).not.toContain(lab);
      expect(command.parameters.ExpectedUser?.[0]).not.toMatch(/^(Administrator|svc_|e2e\.vip)/);
      const action = [...recorded.values()].find((a) => a.commandId === command.commandId);
      expect(action?.status, command.commandId).toBe('succeeded');
    }
  });
});
