import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdleEvent } from '../../../lib/idle/schema.js';
import { type Harness, sample, startHarness } from './harness.js';

/** Idle events act through the same blast-radius limits as sweeps, and cannot flood anything. */
describe('Session Idle events under the blast-radius limits', () => {
  let h: Harness;
  let template: SessionIdleEvent;

  beforeAll(async () => {
    h = await startHarness({
      policy: {
        version: 1,
        fleet: { maxActionsPerSweep: 2 },
        default: {
          disconnectIdleMinutes: 60,
          maxActionsPerHost: 1,
          exclude: { users: ['svc_*'] },
        },
      },
      fleet: { hosts: 2 },
    });
    template = await sample<SessionIdleEvent>('session-idle/active.json');
  });
  afterAll(() => h.close());

  function idleEvent(instanceId: string, sessionId: number): SessionIdleEvent {
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
        state: view.state,
        idleMinutes: view.idleMinutes ?? 0,
        logonTime: view.logonTime.slice(0, 16),
        observedAt: h.fleet.now().toISOString(),
      },
    };
  }
  const sentOn = (instanceId: string) =>
    h.ssm
      .commands()
      .filter(
        (c) => c.parameters.Operation?.[0] !== 'ListSessions' && c.instanceIds.includes(instanceId)
      );
  const checksOn = (instanceId: string) =>
    h.ssm
      .commands()
      .filter((c) => c.comment.startsWith('sj:idle:') && c.instanceIds.includes(instanceId));

  it('sends at most one action per host and two in all for seven events on two hosts', async () => {
    const [a, b] = [h.instance(0), h.instance(1)];
    const events = [
      ...[1, 2, 3, 4].map(
        (n) => [a, h.fleet.addSession(a, { user: `CORP\\a${n}`, idleMinutes: 70 + n })] as const
      ),
      ...[1, 2, 3].map(
        (n) => [b, h.fleet.addSession(b, { user: `CORP\\b${n}`, idleMinutes: 70 + n })] as const
      ),
    ].map(([host, id]) => idleEvent(host, id));

    for (const event of events) await h.idle(event);
    await h.settle();

    expect(sentOn(a)).toHaveLength(1);
    expect(sentOn(b)).toHaveLength(1);
    const actions = [...(await h.actionsOf(a)), ...(await h.actionsOf(b))];
    expect(actions.filter((x) => x.commandId !== null)).toHaveLength(2);
    const held = actions.filter((x) => x.commandId === null);
    expect(held).toHaveLength(5);
    for (const action of held) {
      expect(action).toMatchObject({
        status: 'skipped',
        result: { errorCode: 'policy:host-limit' },
      });
    }
  });

  it('records an excluded session once per logon however many events name it', async () => {
    const host = h.instance(1);
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\svc_backup', idleMinutes: 300 });

    for (let i = 0; i < 4; i++) await h.idle(idleEvent(host, sessionId));
    await h.settle();

    const recorded = (await h.actionsOf(host)).filter(
      (x) => x.target.kind === 'session' && x.target.sessionId === sessionId
    );
    expect(recorded).toEqual([
      expect.objectContaining({
        status: 'skipped',
        result: expect.objectContaining({ errorCode: 'policy:excluded' }),
      }),
    ]);
  });

  it('asks a host for its sessions a bounded number of times however many events arrive', async () => {
    const host = h.instance(0);
    const before = checksOn(host).length;
    const sessionIds = Array.from({ length: 30 }, (_, n) =>
      h.fleet.addSession(host, { user: `CORP\\burst${n}`, idleMinutes: 90 })
    );

    await Promise.all(sessionIds.map((id) => h.idle(idleEvent(host, id))));
    await h.settle();

    expect(checksOn(host).length - before).toBeLessThanOrEqual(20);
    expect(sentOn(host)).toHaveLength(1);
  });
});
