import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { withDisconnectTimes } from '../../../lib/collect/disconnected.js';
import { resolveGroup } from '../../../lib/policy/schema.js';
import type { QuserSession } from '../../../lib/windows/types.js';
import { type Harness, startHarness } from './harness.js';

/*
 * Issue 11.1: `logoffDisconnectedMinutes` counts from the disconnect. A user idle 78 minutes whom
 * our policy disconnects must not be logged off by the next sweep ("disconnected, idle 78 min ≥
 * 15 min"): the reconnect window starts at the disconnect.
 */

const policy = {
  version: 1,
  default: { disconnectIdleMinutes: 60, logoffDisconnectedMinutes: 15, maxActionsPerHost: 20 },
};

describe('disconnected time', () => {
  let h: Harness;
  let host: string;

  beforeAll(async () => {
    h = await startHarness({ policy, fleet: { hosts: 1 } });
    host = h.instance(0);
  });
  afterAll(() => h.close());

  const actionsFor = async (user: string): Promise<Action[]> =>
    (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser === user
    );

  it('gives a session our policy disconnected its whole reconnect window, from our disconnect', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\ida.idle', idleMinutes: 78 });
    await h.sweepAt(h.fleet.now());
    await h.settle();
    expect((await actionsFor('ida.idle')).map((a) => [a.operation, a.status])).toEqual([
      ['disconnect', 'succeeded'],
    ]);
    const disconnectedAt = (await actionsFor('ida.idle'))[0]?.timestamps.succeeded;

    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    // Before the fix: "disconnected, idle 79 min ≥ 15 min", logged off a minute after.
    expect((await actionsFor('ida.idle')).map((a) => a.operation)).toEqual(['disconnect']);
    expect(h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state).toBe('disconnected');

    h.fleet.advance(15);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const logoff = (await actionsFor('ida.idle')).find((a) => a.operation === 'logoff');
    expect(logoff).toMatchObject({
      status: 'succeeded',
      target: { expectedState: 'disconnected', minDisconnectedMinutes: 15 },
    });
    expect(logoff?.reason).toBe(
      `disconnected 16 min ≥ 15 min (since our disconnect at ${disconnectedAt?.slice(0, 19)}Z), idle 94 min (policy 'default')`
    );
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
  });

  it('counts from the host’s WTS disconnect time when we did not disconnect it', async () => {
    h.fleet.advance(1);
    h.fleet.addSession(host, {
      user: 'CORP\\dan.left',
      state: 'disconnected',
      idleMinutes: 78,
      disconnectedMinutes: 10,
    });
    await h.sweepAt(h.fleet.now());
    await h.settle();
    expect(await actionsFor('dan.left')).toEqual([]);

    h.fleet.advance(5);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const [logoff] = await actionsFor('dan.left');
    expect(logoff).toMatchObject({ operation: 'logoff', status: 'succeeded' });
    expect(logoff?.reason).toMatch(
      /^disconnected 15 min ≥ 15 min \(since the host's disconnect time \S+Z\), idle 83 min/
    );
  });

  it('starts the clock at the first listing that shows it disconnected when the host cannot say', async () => {
    const group = resolveGroup(h.runtime.policy, null);
    const row: QuserSession = {
      userName: 'old.host',
      sessionName: null,
      id: 41,
      state: 'disconnected',
      idleMinutes: 300,
      logonTime: '2026-11-21T08:00',
      logonTimeRaw: '11/21/2026 8:00 AM',
      current: false,
    };
    const listing = (observedAt: Date) => ({
      instanceId: host,
      group,
      rows: [{ ...row, idleMinutes: 300 + Math.round((observedAt.getTime() - start) / 60_000) }],
      hostDisconnectTimes: new Map<number, string>(),
      observedAt: observedAt.toISOString(),
      history: [],
    });
    const start = h.fleet.now().getTime();
    const ledger = h.runtime.ledger;
    const at = (minutes: number) => ({ ledger, clock: () => new Date(start + minutes * 60_000) });

    const [first] = await withDisconnectTimes(at(0), listing(new Date(start)));
    expect(first?.disconnected).toMatchObject({ minutes: 0, source: 'first-seen' });
    // Concurrent listings of the same disconnect agree on the first time.
    const again = await Promise.all([
      withDisconnectTimes(at(16), listing(new Date(start + 16 * 60_000))),
      withDisconnectTimes(at(16), listing(new Date(start + 16 * 60_000))),
    ]);
    expect(again.map(([view]) => view?.disconnected)).toEqual([
      { minutes: 16, since: first?.disconnected?.since, source: 'first-seen' },
      { minutes: 16, since: first?.disconnected?.since, source: 'first-seen' },
    ]);
    // The user came back, worked and left again: a new disconnect, a new clock.
    const [later] = await withDisconnectTimes(at(40), {
      ...listing(new Date(start + 40 * 60_000)),
      rows: [{ ...row, idleMinutes: 2 }],
    });
    expect(later?.disconnected).toMatchObject({ minutes: 0, source: 'first-seen' });
  });
});
