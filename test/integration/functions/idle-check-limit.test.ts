import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdleEvent } from '../../../lib/idle/schema.js';
import { type Harness, sample, startHarness } from './harness.js';

/**
 * What Session Idle events may make a host do is bounded per host by IDLE_EVENT_CHECKS_PER_HOST
 * checks in each IDLE_EVENT_CHECK_WINDOW_MINUTES window, counted in the ledger's quota items.
 */
describe('the per-host limit of idle checks events may cause', () => {
  let h: Harness;
  let template: SessionIdleEvent;

  beforeAll(async () => {
    h = await startHarness({
      policy: {
        version: 1,
        fleet: { maxActionsPerSweep: 50 },
        default: { disconnectIdleMinutes: 60, logoffDisconnectedMinutes: 2, maxActionsPerHost: 50 },
      },
      fleet: { hosts: 2 },
      env: { IDLE_EVENT_CHECKS_PER_HOST: '2', IDLE_EVENT_CHECK_WINDOW_MINUTES: '5' },
    });
    template = await sample<SessionIdleEvent>('session-idle/idle-timeout-event-40.json');
  });
  afterAll(() => h.close());

  /** The event a host's watcher puts for a disconnect observed `minutesAgo` ago. */
  function watcherEvent(instanceId: string, sessionId: number, minutesAgo = 0): SessionIdleEvent {
    const view = h.fleet.host(instanceId).sessions.find((s) => s.id === sessionId);
    if (!view) throw new Error(`no session ${sessionId} on ${instanceId}`);
    return {
      ...template,
      id: randomUUID(),
      time: h.fleet.now().toISOString(),
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
      detail: {
        instanceId,
        sessionId,
        userName: view.userName,
        domain: view.domain,
        state: 'disconnected',
        idleMinutes: 0,
        logonTime: null,
        windowsEvent: { eventId: 40, recordId: 900 + sessionId, reasonCode: 3 },
        observedAt: new Date(h.fleet.now().getTime() - minutesAgo * 60_000).toISOString(),
      },
    };
  }
  const checksOn = (instanceId: string) =>
    h.ssm
      .commands()
      .filter((c) => c.comment.startsWith('sj:idle:') && c.instanceIds.includes(instanceId));
  const disconnected = (instanceId: string, user: string, minutes: number) =>
    h.fleet.addSession(instanceId, {
      user: `CORP\\${user}`,
      state: 'disconnected',
      idleMinutes: minutes + 30,
      disconnectedMinutes: minutes,
    });

  it('checks a host at most twice in a window, other hosts unaffected, and again in the next', async () => {
    const [a, b] = [h.instance(0), h.instance(1)];
    const events = ['ann', 'ben', 'cas'].map((user) =>
      watcherEvent(a, disconnected(a, user, 3), 3)
    );

    const results = [];
    for (const event of events) results.push(await h.idle(event));

    expect(results.map((r) => (r as { kind: string }).kind)).toEqual([
      'checking',
      'checking',
      'ignored',
    ]);
    expect(results[2]).toEqual({
      kind: 'ignored',
      reason: `${a} reached its limit of 2 idle checks in 5 min`,
    });
    expect(checksOn(a)).toHaveLength(2);
    expect(await h.idle(watcherEvent(b, disconnected(b, 'dee', 3), 3))).toMatchObject({
      kind: 'checking',
    });

    h.fleet.advance(5);
    const later = watcherEvent(a, disconnected(a, 'eve', 3), 3);
    expect(await h.idle(later)).toMatchObject({ kind: 'checking' });
    expect(checksOn(a)).toHaveLength(3);
    // The checks' logoffs finish here, not in the next test.
    await h.settle();
  });

  it('checks a disconnect the watcher saw minutes ago and logs the session off once the host confirms it', async () => {
    const host = h.instance(1);
    const sessionId = disconnected(host, 'fay', 3);
    const fresh = watcherEvent(host, sessionId, 0);
    // Observed just now: disconnected 0 minutes, which asks for nothing yet.
    expect(await h.idle(fresh)).toEqual({ kind: 'nothing', group: 'default' });

    const late = watcherEvent(host, sessionId, 3);
    expect(await h.idle(late)).toMatchObject({ kind: 'checking' });
    await h.settle();
    // By user too: Windows reuses a logged-off session's id, so dee's (logged off by the test
    // before) may have been this id.
    const actions = (await h.actionsOf(host)).filter(
      (a) =>
        a.target.kind === 'session' &&
        a.target.sessionId === sessionId &&
        a.target.expectedUser === 'fay'
    );
    expect(actions).toEqual([
      expect.objectContaining({
        operation: 'logoff',
        status: 'succeeded',
        trigger: { kind: 'idle-event', eventId: late.id },
      }),
    ]);
  });

  it('refuses a limit outside 0-1000 checks or 1-60 minutes at cold start, naming the variable', async () => {
    const { loadConfig } = await import('../../../lib/config/env.js');
    expect(() => loadConfig({ TABLE_NAME: 't', IDLE_EVENT_CHECKS_PER_HOST: '-1' })).toThrow(
      /IDLE_EVENT_CHECKS_PER_HOST/
    );
    expect(() => loadConfig({ TABLE_NAME: 't', IDLE_EVENT_CHECK_WINDOW_MINUTES: '61' })).toThrow(
      /IDLE_EVENT_CHECK_WINDOW_MINUTES/
    );
    expect(loadConfig({ TABLE_NAME: 't' })).toMatchObject({
      IDLE_EVENT_CHECKS_PER_HOST: 20,
      IDLE_EVENT_CHECK_WINDOW_MINUTES: 1,
    });
  });
});
