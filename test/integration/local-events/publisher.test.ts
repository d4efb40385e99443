import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { eventBridgePublisher } from '../../../lib/outcomes/publish.js';
import { type LocalEvents, startLocalEvents } from '../../../local/events/server.js';
import type { AnyEventBridgeEvent } from '../../../local/runtime/event-bus.js';

const delivered: AnyEventBridgeEvent[] = [];
let events: LocalEvents;
let client: EventBridgeClient;

beforeAll(async () => {
  events = await startLocalEvents({
    account: '123456789012',
    region: 'us-east-1',
    buses: ['session-janitor'],
    clock: () => new Date('2026-03-02T09:17:04Z'),
    deliver: (event) => delivered.push(event),
  });
  client = new EventBridgeClient({
    endpoint: events.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await events?.close();
});

const action: Action = {
  id: 'act_publisher',
  operation: 'end-smb-session',
  instanceId: 'i-0a1b2c3d4e5f60718',
  target: { kind: 'smb', clientName: '10.0.0.7', userName: 'CORP\\bob' },
  trigger: { kind: 'api', ticketId: 'INC-9', caller: 'svc-tickets' },
  reason: 'locked share',
  policy: null,
  status: 'failed',
  dryRun: false,
  commandId: 'c-1',
  attempts: 1,
  result: { exitCode: 5, errorCode: 'win32:5', excerpt: 'Access is denied.' },
  createdAt: '2026-03-02T09:17:00.000Z',
  timestamps: { planned: '2026-03-02T09:17:00.000Z', failed: '2026-03-02T09:17:03.000Z' },
} as Action;

describe('eventBridgePublisher through EventBridgeClient', () => {
  it('puts one Action Status-change event per terminal action, nothing for an open one', async () => {
    delivered.length = 0;
    await eventBridgePublisher(client, 'session-janitor')(action);
    await eventBridgePublisher(client, 'session-janitor')({ ...action, status: 'dispatched' });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'session-janitor',
      'detail-type': 'Action Status-change',
      detail: {
        dedupeId: 'act_publisher:failed',
        targetUser: 'CORP\\bob',
        status: 'failed',
        result: { errorCode: 'win32:5' },
        trigger: { kind: 'api', ticketId: 'INC-9', caller: 'svc-tickets' },
        finishedAt: '2026-03-02T09:17:03.000Z',
      },
    });
  });

  it('throws when EventBridge fails the entry, so the completing invocation is retried', async () => {
    await expect(eventBridgePublisher(client, 'no-such-bus')(action)).rejects.toThrow(
      /not published: ResourceNotFoundException Event bus no-such-bus does not exist/
    );
  });
});
