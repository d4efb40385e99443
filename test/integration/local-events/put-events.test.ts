import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalEvents, startLocalEvents } from '../../../local/events/server.js';
import type { AnyEventBridgeEvent } from '../../../local/runtime/event-bus.js';
import { type AwsCli, type AwsCliResult, startAwsCli } from '../../helpers/aws-cli.js';

// The first AWS CLI command starts Python and imports the CLI (~1 s, more on a busy machine).
vi.setConfig({ testTimeout: 90_000 });

const ACCOUNT = '123456789012';
const NOW = new Date('2026-03-02T09:15:00.000Z');
const delivered: Array<{ event: AnyEventBridgeEvent; bus: string }> = [];
let events: LocalEvents;
let client: EventBridgeClient;
let cli: AwsCli;

beforeAll(async () => {
  cli = startAwsCli();
  events = await startLocalEvents({
    account: ACCOUNT,
    region: 'us-east-1',
    buses: ['session-janitor', 'default'],
    clock: () => NOW,
    deliver: (event, bus) => delivered.push({ event, bus }),
  });
  client = new EventBridgeClient({
    endpoint: events.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  cli?.stop();
  client?.destroy();
  await events?.close();
});

const idle = {
  Source: 'session-janitor.host',
  DetailType: 'Session Idle',
  Detail: JSON.stringify({ instanceId: 'i-0a0000000000000a1', sessionId: 2 }),
  EventBusName: 'session-janitor',
};

describe('the local EventBridge endpoint through EventBridgeClient', () => {
  it('puts an entry on the named bus as the EventBridge envelope a rule would see', async () => {
    delivered.length = 0;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            ...idle,
            Resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0a0000000000000a1'],
          },
        ],
      })
    );
    expect(answer.FailedEntryCount).toBe(0);
    const eventId = answer.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivered).toEqual([
      {
        bus: 'session-janitor',
        event: {
          version: '0',
          id: eventId,
          'detail-type': 'Session Idle',
          source: 'session-janitor.host',
          account: ACCOUNT,
          time: '2026-03-02T09:15:00Z',
          region: 'us-east-1',
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0a0000000000000a1'],
          detail: { instanceId: 'i-0a0000000000000a1', sessionId: 2 },
        },
      },
    ]);
  });

  it('takes a bus by ARN, the default bus by omission, and an entry time', async () => {
    delivered.length = 0;
    const { Entries } = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            ...idle,
            EventBusName: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/session-janitor`,
          },
          { ...idle, EventBusName: undefined, Time: new Date('2026-03-02T09:00:00Z') },
        ],
      })
    );
    expect(Entries?.every((e) => e.EventId !== undefined)).toBe(true);
    expect(delivered.map((d) => [d.bus, d.event.time])).toEqual([
      ['session-janitor', '2026-03-02T09:15:00Z'],
      ['default', '2026-03-02T09:00:00Z'],
    ]);
  });

  it('fails bad entries alone, each with its ErrorCode, and still puts the good ones', async () => {
    delivered.length = 0;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...idle, Source: undefined },
          { ...idle, DetailType: undefined },
          { ...idle, Detail: undefined },
          { ...idle, Detail: '{"unterminated":' },
          { ...idle, Detail: '["an array"]' },
          { ...idle, EventBusName: 'no-such-bus' },
          { ...idle, DetailType: 'x'.repeat(129) },
          idle,
        ],
      })
    );
    expect(answer.FailedEntryCount).toBe(7);
    expect(answer.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'InvalidArgument',
      'ok',
    ]);
    expect(answer.Entries?.[0]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.'
    );
    expect(answer.Entries?.[5]?.ErrorMessage).toBe('Event bus no-such-bus does not exist.');
    expect(delivered).toHaveLength(1);
  });

  it('refuses a whole request of no entries, more than ten, or over 256 KB, putting nothing', async () => {
    delivered.length = 0;
    const big = { ...idle, Detail: JSON.stringify({ pad: 'x'.repeat(30 * 1024) }) };
    const attempts = [
      [],
      Array.from({ length: 11 }, () => idle),
      Array.from({ length: 9 }, () => big),
    ];
    for (const Entries of attempts) {
      await expect(client.send(new PutEventsCommand({ Entries }))).rejects.toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    // Just under the limit is fine: 8 × ~30 KB.
    const fits = await client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 8 }, () => big) })
    );
    expect(fits.FailedEntryCount).toBe(0);
    expect(delivered).toHaveLength(8);
  });

  it('answers other operations as EventBridge answers an unknown one', async () => {
    const response = await fetch(events.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSEvents.DeleteEventBus',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

function awsEvents(...args: string[]): Promise<AwsCliResult> {
  return cli.run('events', args, events.endpoint);
}

describe('aws events put-events against the local endpoint', () => {
  it('puts a Session Idle event and reports a bad entry per entry, as EventBridge does', async () => {
    delivered.length = 0;
    const answer = await awsEvents(
      'put-events',
      '--entries',
      JSON.stringify([idle, { Source: 'session-janitor.host', DetailType: 'Session Idle' }])
    );
    expect(answer.code).toBe(0);
    expect(answer.json).toMatchObject({
      FailedEntryCount: 1,
      Entries: [
        { EventId: expect.any(String) },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
        },
      ],
    });
    expect(delivered.map((d) => d.event['detail-type'])).toEqual(['Session Idle']);
  });

  it('fails the whole call on eleven entries, with the ValidationException', async () => {
    const answer = await awsEvents(
      'put-events',
      '--entries',
      JSON.stringify(Array.from({ length: 11 }, () => idle))
    );
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toMatch(/ValidationException|length less than or equal to 10/);
  });
});
