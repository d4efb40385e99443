import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { handleInvocationStatus } from '../../../lib/collect/collect.js';
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

/** Index of the default fleet's unmanaged host (RDSH-LAB-01). */
const UNMANAGED = 11;

describe('Session Idle → idle-event → ListSessions → command-status', () => {
  let h: Harness;
  let host: string;
  let template: SessionIdleEvent;

  beforeAll(async () => {
    h = await startHarness({ policy, fleet: { hosts: 12 } });
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

  const checksOf = (event: { id: string }) =>
    h.ssm
      .commands()
      .filter((c) => c.comment.startsWith(`sj:idle:${event.id.replaceAll('-', '')};`));
  /** What command-status concluded from the host's answer (reading it again changes nothing). */
  const verdictOf = async (event: { id: string }) => {
    const [check] = checksOf(event);
    if (!check) throw new Error(`no check for ${event.id}`);
    const deps = { ...h.runtime.send, ledger: h.runtime.ledger, policy: h.runtime.policy };
    const instanceId = check.instanceIds[0] ?? '';
    return handleInvocationStatus(deps, {
      commandId: check.commandId,
      instanceId,
      status: 'Success',
    });
  };
  const actionCommands = () =>
    h.ssm.commands().filter((c) => c.parameters.Operation?.[0] !== 'ListSessions');
  const actionsFor = async (user: string): Promise<Action[]> =>
    (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser.toLowerCase() === user
    );
  const stateOf = (instanceId: string, sessionId: number) =>
    h.fleet.host(instanceId).sessions.find((s) => s.id === sessionId)?.state;

  it('asks the host first and acts on a genuinely idle session through to succeeded', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\ivy', idleMinutes: 75 });
    const event = idleEvent(sessionId);

    const result = await h.idle(event);

    expect(result).toEqual({ kind: 'checking', group: 'default', commandId: expect.any(String) });
    expect(await actionsFor('ivy')).toEqual([]);
    expect(checksOf(event)).toEqual([
      expect.objectContaining({
        commandId: (result as { commandId: string }).commandId,
        instanceIds: [host],
        parameters: { Operation: ['ListSessions'] },
        comment: expect.stringMatching(new RegExp(`;g:default;s:${sessionId};u:[\\w-]{6}$`)),
      }),
    ]);

    await h.settle();

    expect(await actionsFor('ivy')).toEqual([
      expect.objectContaining({
        operation: 'disconnect',
        status: 'succeeded',
        target: expect.objectContaining({ sessionId, expectedUser: 'ivy' }),
        trigger: { kind: 'idle-event', eventId: event.id },
        reason: expect.stringMatching(/^active, idle 7\d min ≥ 60 min/),
      }),
    ]);
    expect(stateOf(host, sessionId)).toBe('disconnected');
  });

  it('does nothing for a forged event that claims 500 idle minutes for a working session', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\ada', idleMinutes: 0 });
    const sent = actionCommands().length;
    const forged = idleEvent(sessionId, { state: 'disconnected', idleMinutes: 500 });

    expect(await h.idle(forged)).toMatchObject({ kind: 'checking' });
    await h.settle();

    expect(checksOf(forged)).toHaveLength(1);
    expect(await verdictOf(forged)).toMatchObject({
      kind: 'idle-checked',
      sessionId,
      reason: `the host reports session ${sessionId} active, idle 0 min: policy 'default' asks for nothing`,
      actions: [],
    });
    expect(await actionsFor('ada')).toEqual([]);
    expect(actionCommands()).toHaveLength(sent);
    expect(stateOf(host, sessionId)).toBe('active');
  });

  it('does nothing when the user came back after the host observed the idle session', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\bea', idleMinutes: 2 });
    const earlier = new Date(h.fleet.now().getTime() - 8 * 60_000).toISOString();
    const stale = idleEvent(sessionId, { idleMinutes: 70, observedAt: earlier });

    expect(await h.idle(stale)).toMatchObject({ kind: 'checking' });
    await h.settle();

    expect(await verdictOf(stale)).toMatchObject({
      kind: 'idle-checked',
      reason: expect.stringMatching(/active, idle 2 min: policy 'default' asks for nothing$/),
    });
    expect(await actionsFor('bea')).toEqual([]);
    expect(stateOf(host, sessionId)).toBe('active');
  });

  it('leaves a session alone that belongs to another user than the event names', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\cyd', idleMinutes: 300 });
    const event = idleEvent(sessionId, { userName: 'dan' });

    expect(await h.idle(event)).toMatchObject({ kind: 'checking' });
    await h.settle();

    expect(await verdictOf(event)).toMatchObject({
      kind: 'idle-checked',
      reason: `session ${sessionId} now belongs to another user`,
      actions: [],
    });
    expect(await actionsFor('cyd')).toEqual([]);
    expect(await actionsFor('dan')).toEqual([]);
    expect(stateOf(host, sessionId)).toBe('active');
  });

  it('asks once and acts once for an event delivered again after it was handled', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\jon', idleMinutes: 65 });
    const event = idleEvent(sessionId);
    await h.idle(event);
    await h.settle();
    const [action] = await actionsFor('jon');

    const repeated = await h.idle(event);
    await h.settle();

    expect(repeated).toEqual({
      kind: 'ignored',
      reason: `event already handled (${action?.id} succeeded)`,
    });
    expect(checksOf(event)).toHaveLength(1);
    expect((await actionsFor('jon')).map((a) => a.status)).toEqual(['succeeded']);
  });

  it('records one action for an event delivered twice at once', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\kai', idleMinutes: 80 });
    const event = idleEvent(sessionId);

    const results = await Promise.all([h.idle(event), h.idle(event)]);
    await h.settle();

    expect(results).toEqual([
      expect.objectContaining({ kind: 'checking' }),
      expect.objectContaining({ kind: 'checking' }),
    ]);
    expect(await actionsFor('kai')).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        trigger: { kind: 'idle-event', eventId: event.id },
      }),
    ]);
    expect(stateOf(host, sessionId)).toBe('disconnected');
  });

  it('never acts twice while another trigger already acts in the same idle period', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\eve', idleMinutes: 90 });
    const { action } = await h.runtime.ledger.createAction({
      operation: 'disconnect',
      instanceId: host,
      target: { kind: 'session', sessionId, expectedUser: 'eve', logonTime: null },
      trigger: { kind: 'schedule', sweepId: `sw-${h.fleet.now().toISOString().slice(0, 19)}Z` },
      reason: 'active, idle 90 min ≥ 60 min (a sweep)',
      policy: 'default',
      dryRun: false,
    });
    await h.runtime.ledger.markDispatched(action, {
      commandId: randomUUID(),
      deadline: new Date(h.fleet.now().getTime() + 10 * 60_000),
    });
    const sent = actionCommands().length;

    const event = idleEvent(sessionId);
    expect(await h.idle(event)).toMatchObject({ kind: 'checking' });
    await h.settle();

    expect(await verdictOf(event)).toMatchObject({
      reason: `already disconnect in this idle period (${action.id})`,
      actions: [],
    });
    expect((await actionsFor('eve')).map((a) => a.trigger.kind)).toEqual(['schedule']);
    expect(actionCommands()).toHaveLength(sent);
  });

  it('sends nothing to a host SSM cannot reach, and records nothing', async () => {
    const offline = h.instance(2);
    const sessionId = h.fleet.addSession(offline, { user: 'CORP\\ned', idleMinutes: 120 });
    const event = idleEvent(sessionId, { instanceId: offline });
    const before = h.ssm.commands().length;
    h.ssm.setFaults({ offlineInstanceIds: [offline] });
    try {
      expect(await h.idle(event)).toEqual({
        kind: 'ignored',
        reason: `${offline} is ConnectionLost to SSM`,
      });
      await h.settle();
    } finally {
      h.ssm.setFaults({ offlineInstanceIds: [] });
    }

    expect(h.ssm.commands().length).toBe(before);
    expect(await h.actionsOf(offline)).toEqual([]);
    expect(stateOf(offline, sessionId)).toBe('active');
  });

  it("applies the host's policy group, here its quiet hours, and records the skip", async () => {
    const strictHost = h.instance(1);
    const sessionId = h.fleet.addSession(strictHost, { user: 'CORP\\max', idleMinutes: 90 });
    const event = idleEvent(sessionId, { instanceId: strictHost });

    expect(await h.idle(event)).toMatchObject({ kind: 'checking', group: 'strict' });
    await h.settle();

    const actions = (await h.actionsOf(strictHost)).filter(
      (a) => a.trigger.kind === 'idle-event' && a.trigger.eventId === event.id
    );
    expect(actions).toEqual([
      expect.objectContaining({
        operation: 'disconnect',
        status: 'skipped',
        result: expect.objectContaining({ errorCode: 'policy:quiet-hours' }),
      }),
    ]);
    expect(stateOf(strictHost, sessionId)).toBe('active');
  });

  it('sends nothing for a stale event, an unknown or unmanaged instance, or a claim asking for nothing', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\kim', idleMinutes: 90 });
    const unmanaged = h.instance(UNMANAGED);
    const stale = idleEvent(sessionId, {
      observedAt: new Date(h.fleet.now().getTime() - 20 * 60_000).toISOString(),
    });
    const unknown = idleEvent(sessionId, { instanceId: 'i-0fffffffffffffff0' });
    const foreign = idleEvent(1, { instanceId: unmanaged, idleMinutes: 300 });
    const calm = idleEvent(h.fleet.addSession(host, { user: 'CORP\\lea', idleMinutes: 5 }));
    const sent = h.ssm.commands().length;

    expect(await h.idle(stale)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/^stale/),
    });
    expect(await h.idle(unknown)).toEqual({
      kind: 'ignored',
      reason: 'unknown instance i-0fffffffffffffff0',
    });
    expect(await h.idle(foreign)).toEqual({
      kind: 'ignored',
      reason: `${unmanaged} is not managed`,
    });
    expect(await h.idle(calm)).toEqual({ kind: 'nothing', group: 'default' });
    expect(h.ssm.commands()).toHaveLength(sent);
    expect(await actionsFor('kim')).toEqual([]);
  });

  it('refuses a malformed event with a typed error and sends nothing', async () => {
    const sent = h.ssm.commands().length;
    const bad = idleEvent(1, { userName: 'x"; logoff 1' as string });

    await expect(h.idle(bad)).rejects.toMatchObject({ name: 'ParseError' });
    expect(h.ssm.commands()).toHaveLength(sent);
  });

  // Last: it moves the shared clock an hour on.
  it('acts on nothing when the host’s answer is read long after the host gave it', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\lena', idleMinutes: 75 });
    const event = idleEvent(sessionId);
    expect(await h.idle(event)).toMatchObject({ kind: 'checking' });
    // The ledger is unreachable while the answer's status event is processed: it is dead-lettered.
    const listByHost = h.runtime.ledger.listByHost;
    h.runtime.ledger.listByHost = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await h.settle();
    h.runtime.ledger.listByHost = listByHost;
    const sent = actionCommands().length;

    h.fleet.advance(60);
    const verdict = await verdictOf(event);

    expect(verdict).toMatchObject({ kind: 'idle-checked', actions: [] });
    expect((verdict as { reason: string }).reason).toMatch(/^stale: sessions listed at /);
    expect(actionCommands()).toHaveLength(sent);
    expect(await actionsFor('lena')).toEqual([]);
    expect(stateOf(host, sessionId)).toBe('active');
  });
});
