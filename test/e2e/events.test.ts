import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionStatusEventSchema } from '../../lib/outcomes/event.js';
import { main } from '../../local/cli/main.js';
import { type E2e, startE2e } from './harness.js';

const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 500 },
  default: { disconnectIdleMinutes: 30, maxActionsPerHost: 50 },
};

/** A ticket system's webhook: records each POST; the first one it answers 503, as a busy one. */
const received: Array<Record<string, unknown>> = [];
let answered = 0;
let webhook: Server;
let e2e: E2e;
let client: EventBridgeClient;

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      response.statusCode = answered++ === 0 ? 503 : 200;
      if (response.statusCode === 200) received.push(JSON.parse(body));
      response.end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const { port } = webhook.address() as AddressInfo;
  e2e = await startE2e(POLICY, { forwardEvents: `http://127.0.0.1:${port}/ticket-events` });
  client = new EventBridgeClient({
    endpoint: e2e.runtime.eventsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await e2e?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
});

/** `janitor events --follow --json` in this process, until it has printed `count` events. */
function follow(count: number): { lines: Promise<Array<Record<string, unknown>>> } {
  let out = '';
  const run = main(
    ['events', '--follow', '--json', '--count', String(count), '--config', e2e.runtime.localFile],
    {
      out: (text) => {
        out += text;
      },
      err: (text) => {
        throw new Error(text);
      },
      env: {},
      readInput: async () => '',
    }
  );
  return {
    lines: run.then((code) => {
      expect(code).toBe(0);
      return out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    }),
  };
}

describe('events in: a Session Idle event put on the local EventBridge endpoint', () => {
  it('reaches idle-event, which verifies it on the host, acts, and publishes the outcome', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-US-02');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.bridge', idleMinutes: 45 });
    const before = runtime.invocations()['idle-event'];
    const followed = follow(2);
    // The follower is subscribed once its request reached the endpoint.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'session-janitor.host',
            DetailType: 'Session Idle',
            EventBusName: 'session-janitor',
            Resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${host}`],
            Detail: JSON.stringify({
              instanceId: host,
              sessionId,
              userName: 'e2e.bridge',
              domain: 'CORP',
              state: 'active',
              idleMinutes: 45,
              logonTime: null,
              observedAt: runtime.fleet.now().toISOString(),
            }),
          },
          // A bad entry fails alone and reaches no function.
          { Source: 'session-janitor.host', DetailType: 'Session Idle', Detail: '[]' },
        ],
      })
    );
    expect(answer.FailedEntryCount).toBe(1);
    await runtime.settle();
    expect(runtime.bus.deadLetters).toEqual([]);
    expect(runtime.invocations()['idle-event']).toBe(before + 1);
    const actions = (await runtime.ledger.listByHost(host, { limit: 50, order: 'asc' })).items;
    const mine = actions.filter(
      (a) => a.target.kind === 'session' && a.target.sessionId === sessionId
    );
    expect(mine).toEqual([
      expect.objectContaining({
        operation: 'disconnect',
        status: 'succeeded',
        trigger: { kind: 'idle-event', eventId: answer.Entries?.[0]?.EventId },
      }),
    ]);
    const [idle, outcome] = await followed.lines;
    expect(idle).toMatchObject({ 'detail-type': 'Session Idle', id: answer.Entries?.[0]?.EventId });
    expect(actionStatusEventSchema.parse(outcome).detail).toMatchObject({
      dedupeId: `${mine[0]?.id}:succeeded`,
      actionId: mine[0]?.id,
      operation: 'disconnect',
      instanceId: host,
      targetUser: 'e2e.bridge',
      status: 'succeeded',
      trigger: { kind: 'idle-event' },
    });
    // Not a ticket's action: nothing for the ticket webhook.
    expect(received).toEqual([]);
  });
});

describe('outcomes out: a ticket action', () => {
  it('reaches the webhook with its ticket id once the host answered, retried past a 503', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-DE-02');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.ticket', idleMinutes: 3 });
    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'logoff',
        instanceId: host,
        sessionId,
        userName: 'CORP\\e2e.ticket',
        ticketId: 'INC-7001',
        reason: 'user asked to be signed out',
      },
    });
    expect(response.status).toBe(202);
    await runtime.settle();
    expect(runtime.bus.deadLetters).toEqual([]);
    expect(answered).toBe(2);
    expect(received).toHaveLength(1);
    const event = actionStatusEventSchema.parse(received[0]);
    expect(event).toMatchObject({
      source: 'session-janitor',
      'detail-type': 'Action Status-change',
      detail: {
        actionId: response.body.actionId,
        dedupeId: `${response.body.actionId}:succeeded`,
        operation: 'logoff',
        instanceId: host,
        status: 'succeeded',
        trigger: { kind: 'api', ticketId: 'INC-7001', caller: 'local-operator' },
      },
    });
  });

  it('publishes again, with the same dedupeId, when a late duplicate completion finds it done', async () => {
    const { runtime } = e2e;
    const [action] = await e2e.ticketActions('INC-7001');
    if (action === undefined) throw new Error('no action for INC-7001');
    // Two completions racing (two deliveries of one status event, each having read the action
    // still dispatched): the ledger refuses the later write, and that completion publishes too,
    // since it cannot tell whether the earlier one lived to put its event.
    await expect(
      runtime.ledger.complete(action.id, 'succeeded', action.result)
    ).rejects.toMatchObject({ name: 'StaleTransitionError' });
    await runtime.settle();
    expect(received.map((e) => (e.detail as { dedupeId: string }).dedupeId)).toEqual([
      `${action.id}:succeeded`,
      `${action.id}:succeeded`,
    ]);
    expect(received[0]?.id).not.toBe(received[1]?.id);
  });

  it('publishes again when the request is repeated for an action already done', async () => {
    const { runtime } = e2e;
    const [action] = await e2e.ticketActions('INC-7001');
    if (action === undefined || action.target.kind !== 'session') throw new Error('no action');
    // A caller repeating its POST after a 5xx: the answer it missed may be a put that failed
    // after the action ended, and this repeat is the only retry there will be.
    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'logoff',
        instanceId: action.instanceId,
        sessionId: action.target.sessionId,
        userName: 'CORP\\e2e.ticket',
        ticketId: 'INC-7001',
        reason: 'user asked to be signed out',
      },
    });
    expect(response.body).toMatchObject({ actionId: action.id, created: false });
    await runtime.settle();
    expect(received.map((e) => (e.detail as { dedupeId: string }).dedupeId)).toEqual(
      Array(3).fill(`${action.id}:succeeded`)
    );
  });
});
