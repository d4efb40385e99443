import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, postWith, serviceError, startApiHarness } from './harness.js';

let h: ApiHarness;
let host: string;
const CALLER = '3nkoep4151b7umeggnottc30u9';

beforeAll(async () => {
  h = await startApiHarness({ dispatchGraceMs: 30_000 });
  host = h.hostId('RDSH-US-02');
});
afterAll(() => h.close());

describe('dispatch', () => {
  it('ends the action as failed and answers 502 when SendCommand fails', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\unlucky' });
    h.failSsm('SendCommandCommand');
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId,
      userName: 'CORP\\unlucky',
      ticketId: 'SEND-FAIL-1',
    });
    const response = await h.invoke(structuredClone(event));
    h.failSsm(null);
    expect(response.statusCode).toBe(502);
    expect(response.body).toMatchObject({
      error: 'dispatch-failed',
      status: 'failed',
      created: true,
      actionId: expect.any(String),
    });
    expect(JSON.stringify(response.body)).not.toContain('injected');
    const action = await h.action(String(response.body.actionId));
    expect(action).toMatchObject({ status: 'failed', result: { errorCode: 'ssm:ServiceError' } });
    // The request again: the same (terminal) action, nothing sent.
    const before = h.localSsm.commands().length;
    const again = await h.invoke(structuredClone(event));
    expect(again).toMatchObject({ statusCode: 202, body: { status: 'failed', created: false } });
    expect(h.localSsm.commands().length).toBe(before);
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('records the dispatch, not a failure, when SSM accepted a send whose answer was lost', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\lostreply' });
    h.failSsm('SendCommandCommand', undefined, { afterSend: true });
    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\lostreply',
        ticketId: 'SEND-LOST-1',
      })
    );
    h.failSsm(null);
    expect(response.statusCode).toBe(202);
    // Its own status event may complete it before the request has recorded the found command.
    expect(['dispatched', 'succeeded']).toContain(response.body.status);
    await h.settle();
    const action = await h.action(String(response.body.actionId));
    expect(action).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
  });

  it('ends the action as undeliverable when SSM refuses the platform', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\linuxish' });
    h.failSsm('SendCommandCommand', serviceError('UnsupportedPlatformType'));
    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\linuxish',
        ticketId: 'SEND-FAIL-2',
      })
    );
    h.failSsm(null);
    expect(response.statusCode).toBe(502);
    expect(response.body.status).toBe('undeliverable');
  });

  it('sends an action orphaned in planned once its grace has passed, and only then', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\orphan' });
    const request = {
      instanceId: host,
      sessionId,
      userName: 'CORP\\orphan',
      ticketId: 'ORPHAN-1',
      reason: 'user stuck in a frozen session',
    };
    const newAction = {
      operation: 'logoff' as const,
      instanceId: host,
      target: { kind: 'session' as const, sessionId, expectedUser: 'CORP\\orphan' },
      trigger: { kind: 'api' as const, ticketId: 'ORPHAN-1', caller: CALLER },
      reason: request.reason,
      policy: null,
      dryRun: false,
    };
    // A request that died right after recording: fresh, then 31 s old.
    const { action } = await h.ledger.createAction(newAction);
    const before = h.localSsm.commands().length;
    const early = await h.invoke(postWith('post-action-logoff', request));
    expect(early.body).toEqual({ actionId: action.id, status: 'planned', created: false });
    expect(h.localSsm.commands().length).toBe(before);

    const sessionId2 = h.fleet.addSession(host, { user: 'CORP\\orphan2' });
    const old = await h.ledger.createAction(
      {
        ...newAction,
        target: { kind: 'session', sessionId: sessionId2, expectedUser: 'CORP\\orphan2' },
      },
      { at: new Date(Date.now() - 31_000) }
    );
    const late = await h.invoke(
      postWith('post-action-logoff', {
        ...request,
        sessionId: sessionId2,
        userName: 'CORP\\orphan2',
      })
    );
    expect(late.body).toEqual({ actionId: old.action.id, status: 'dispatched', created: false });
    expect(h.localSsm.commands().length).toBe(before + 1);
    await h.settle();
    expect((await h.action(old.action.id))?.status).toBe('succeeded');
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId2)).toBe(false);
  });

  it('refuses a ticket action for a host whose agent is offline with 503, recording and sending nothing', async () => {
    const offline = h.hostId('RDSH-US-03');
    const sessionId = h.fleet.addSession(offline, { user: 'CORP\\away' });
    const before = h.localSsm.commands().length;

    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: offline,
        sessionId,
        userName: 'CORP\\away',
        ticketId: 'OFFLINE-1',
      })
    );

    expect(response.statusCode).toBe(503);
    expect(response.body).toMatchObject({ error: 'host-offline' });
    expect(h.localSsm.commands().length).toBe(before);
    expect((await h.ledger.listByHost(offline)).items).toEqual([]);
    expect(h.fleet.host(offline).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('still answers a repeat of a recorded request while the host is offline, sending nothing', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\repeatoffline' });
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId,
      userName: 'CORP\\repeatoffline',
      ticketId: 'OFFLINE-2',
    });
    const first = await h.invoke(structuredClone(event));
    await h.settle();
    const before = h.localSsm.commands().length;
    h.localSsm.setFaults({ offlineInstanceIds: [host] });
    try {
      const again = await h.invoke(structuredClone(event));
      const other = await h.invoke(
        postWith('post-action-logoff', {
          instanceId: host,
          sessionId,
          userName: 'CORP\\repeatoffline',
          ticketId: 'OFFLINE-3',
        })
      );
      expect(again).toMatchObject({
        statusCode: 202,
        body: { actionId: first.body.actionId, status: 'succeeded', created: false },
      });
      expect(other).toMatchObject({ statusCode: 503, body: { error: 'host-offline' } });
    } finally {
      h.localSsm.setFaults({ offlineInstanceIds: [] });
    }
    expect(h.localSsm.commands().length).toBe(before);
  });

  it('sends an orphaned planned action exactly once for six concurrent repeats', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\orphan6' });
    const request = {
      instanceId: host,
      sessionId,
      userName: 'CORP\\orphan6',
      ticketId: 'ORPHAN-6',
      reason: 'user stuck in a frozen session',
    };
    // Its request died right after recording it, 31 s ago.
    const { action } = await h.ledger.createAction(
      {
        operation: 'logoff',
        instanceId: host,
        target: { kind: 'session', sessionId, expectedUser: 'CORP\\orphan6' },
        trigger: { kind: 'api', ticketId: 'ORPHAN-6', caller: CALLER },
        reason: request.reason,
        policy: null,
        dryRun: false,
      },
      { at: new Date(Date.now() - 31_000) }
    );
    const logoffs = () =>
      h.localSsm.commands().filter((c) => c.comment === `sj:act:${action.id}`).length;

    // Every repeat has looked for a command before the first send reaches SSM.
    h.delaySsm('SendCommandCommand');
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => h.invoke(postWith('post-action-logoff', request)))
    ).finally(() => h.delaySsm(null));
    await h.settle();

    expect(responses.map((r) => r.statusCode)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(new Set(responses.map((r) => r.body.actionId))).toEqual(new Set([action.id]));
    expect(logoffs()).toBe(1);
    expect(await h.action(action.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('a ticket SSM throttles before anything is recorded', () => {
  it('answers 503 ssm-busy with Retry-After and records nothing; its repeat records the action and sends it', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\throttled' });
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId,
      userName: 'CORP\\throttled',
      ticketId: 'THROTTLED-1',
    });
    // Every SSM call throttled: the host's own lookup fails past its attempts, before any record.
    h.localSsm.setFaults({ throttleRate: 1 });
    const response = await h.invoke(structuredClone(event));
    h.localSsm.setFaults({ throttleRate: 0 });
    // Unavailable for now, not a bad answer from the host: a caller that retries on 503 and
    // Retry-After (as ticket systems' REST clients do) repeats it, and nothing was recorded.
    expect(response).toMatchObject({ statusCode: 503, body: { error: 'ssm-busy' } });
    expect(response.headers['retry-after']).toBe('5');
    expect((await h.ledger.listByTicket('THROTTLED-1', { limit: 10 })).items).toEqual([]);

    const again = await h.invoke(structuredClone(event));
    expect(again).toMatchObject({ statusCode: 202, body: { created: true } });
    await h.settle();
    expect(await h.action(String(again.body.actionId))).toMatchObject({ status: 'succeeded' });
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
  });
});
