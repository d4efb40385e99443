import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, startE2e } from './harness.js';

const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 500 },
  default: { disconnectIdleMinutes: 30, maxActionsPerHost: 50 },
};

let e2e: E2e;
let client: EventBridgeClient;

beforeAll(async () => {
  e2e = await startE2e(POLICY);
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
});

describe('a Session Idle event put on the local EventBridge endpoint', () => {
  it('reaches idle-event, which verifies it on the host and acts on what the host reports', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-US-02');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.bridge', idleMinutes: 45 });
    const before = runtime.invocations()['idle-event'];
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
  });
});
