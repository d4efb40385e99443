import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdleEvent } from '../../../lib/idle/schema.js';
import { type Harness, sample, startHarness } from './harness.js';

const policy = {
  version: 1,
  default: {
    disconnectIdleMinutes: 60,
    logoffDisconnectedMinutes: 240,
    exclude: { users: ['svc_*'] },
  },
  groups: {
    strict: {
      quietHours: [{ start: '00:00', end: '23:59' }],
    },
  },
};

describe('Session Idle → idle-event → command-status', () => {
  let h: Harness;
  let host: string;
  let template: SessionIdleEvent;

  beforeAll(async () => {
    h = await startHarness({ policy });
    host = h.instance(0);
    template = await sample<SessionIdleEvent>('session-idle/active.json');
  });
  afterAll(() => h.close());

  function idleEvent(sessionId: number, detail: Partial<SessionIdleEvent['detail']> = {}) {
    const instanceId = detail.instanceId ?? host;
    const known = h.fleet.instance(instanceId) ? instanceId : host;
    const view = h.fleet.host(known).sessions.find((s) => s.id === sessionId);
    return {
      ...template,
      id: randomUUID(),
      time: h.fleet.now().toISOString(),
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
      detail: {
        instanceId,
        sessionId,
        userName: view?.userName ?? 'nobody',
        domain: view?.domain ?? 'CORP',
        state: view?.state ?? 'active',
        idleMinutes: view?.idleMinutes ?? 0,
        logonTime: view ? view.logonTime.slice(0, 16) : null,
        observedAt: h.fleet.now().toISOString(),
        ...detail,
      },
    } satisfies SessionIdleEvent;
  }

  it('dispatches a guarded action for the session and completes it from its status event', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\ivy', idleMinutes: 75 });
    const event = idleEvent(sessionId);

    const result = await h.idle(event);
    await h.settle();

    expect(result).toMatchObject({ kind: 'acted', group: 'default' });
    const actions = (await h.actionsOf(host)).filter((a) => a.trigger.kind === 'idle-event');
    expect(actions).toEqual([
      expect.objectContaining({
        operation: 'disconnect',
        status: 'succeeded',
        target: expect.objectContaining({ sessionId, expectedUser: 'CORP\\ivy' }),
        trigger: { kind: 'idle-event', eventId: event.id },
      }),
    ]);
    expect(h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state).toBe('disconnected');
  });

  it('never acts twice for a repeated event or another event of the same idle period', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\jon', idleMinutes: 65 });
    const first = idleEvent(sessionId);
    await h.idle(first);
    await h.settle();
    const commands = h.ssm.commands().length;

    const repeated = await h.idle(first);
    const later = await h.idle(idleEvent(sessionId, { state: 'active', idleMinutes: 70 }));
    await h.settle();

    expect(repeated).toMatchObject({ kind: 'acted' });
    expect(later).toMatchObject({ kind: 'ignored' });
    expect((later as { reason: string }).reason).toMatch(/^already disconnect in this idle period/);
    expect(h.ssm.commands().length).toBe(commands);
    const jon = (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser === 'CORP\\jon'
    );
    expect(jon.map((a) => a.status)).toEqual(['succeeded']);
  });

  it('ignores a stale event, an unmanaged instance and a session the policy leaves alone', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\kim', idleMinutes: 90 });
    const stale = idleEvent(sessionId, {
      observedAt: new Date(h.fleet.now().getTime() - 20 * 60_000).toISOString(),
    });
    const unknown = idleEvent(sessionId, { instanceId: 'i-0fffffffffffffff0' });
    const calm = idleEvent(h.fleet.addSession(host, { user: 'CORP\\lea', idleMinutes: 5 }));

    expect(await h.idle(stale)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/^stale/),
    });
    expect(await h.idle(unknown)).toMatchObject({
      kind: 'ignored',
      reason: 'unknown instance i-0fffffffffffffff0',
    });
    expect(await h.idle(calm)).toEqual({ kind: 'nothing', group: 'default' });
    expect(
      (await h.actionsOf(host)).filter(
        (a) =>
          a.target.kind === 'session' && ['CORP\\kim', 'CORP\\lea'].includes(a.target.expectedUser)
      )
    ).toEqual([]);
  });

  it("applies the host's policy group, here its quiet hours, and records the skip", async () => {
    const strictHost = h.instance(1);
    const sessionId = h.fleet.addSession(strictHost, { user: 'CORP\\max', idleMinutes: 90 });
    const event = idleEvent(sessionId, { instanceId: strictHost });
    const view = h.fleet.host(strictHost).sessions.find((s) => s.id === sessionId);
    event.detail.userName = view?.userName ?? 'max';

    const result = await h.idle(event);

    expect(result).toMatchObject({
      kind: 'acted',
      group: 'strict',
      actions: [
        expect.objectContaining({
          status: 'skipped',
          result: expect.objectContaining({ errorCode: 'policy:quiet-hours' }),
        }),
      ],
    });
  });

  it('refuses a malformed event with a typed error and records nothing', async () => {
    const before = (await h.actionsOf(host)).length;
    const bad = idleEvent(1, { userName: 'x"; logoff 1' as string });

    await expect(h.idle(bad)).rejects.toMatchObject({ name: 'ParseError' });
    expect((await h.actionsOf(host)).length).toBe(before);
  });
});
