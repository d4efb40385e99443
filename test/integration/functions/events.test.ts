import { readdir, readFile } from 'node:fs/promises';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas';
import { describe, expect, it } from 'vitest';
import { invocationsOf, ssmStatusEventSchema } from '../../../lib/collect/events.js';
import { DEFAULT_DOCUMENTS, READ_DOCUMENT_NAME } from '../../../lib/contract.js';
import { offsetMinutesOf, sessionIdleEventSchema } from '../../../lib/idle/schema.js';
import { actionStatusEventSchema } from '../../../lib/outcomes/event.js';
import { sweepTriggerSchema } from '../../../lib/sweep/trigger.js';
import { eventJsonSchemas } from '../../../scripts/schemas.js';

const eventsDir = new URL('../../../events/', import.meta.url);

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(path, eventsDir), 'utf8')) as Record<string, unknown>;
}

const samples = (await readdir(new URL('session-idle/', eventsDir))).filter((f) =>
  f.endsWith('.json')
);

type Sample = Record<string, unknown> & { detail: Record<string, unknown> };

function mutate(event: Record<string, unknown>, change: (e: Sample) => void) {
  const copy = structuredClone(event) as Sample;
  change(copy);
  return copy;
}

describe('Session Idle schema', () => {
  it('has samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(2);
  });

  it('publishes the JSON Schema generated from the schema it parses with (npm run schemas)', async () => {
    expect(await json('session-idle.schema.json')).toEqual(
      eventJsonSchemas()['session-idle.schema.json']
    );
  });

  it.each(samples)('accepts sample %s', async (file) => {
    const event = await json(`session-idle/${file}`);

    expect(sessionIdleEventSchema.safeParse(event).success).toBe(true);
  });

  const bad: [string, (e: Sample) => void][] = [
    ['a command in the user name', (e) => (e.detail.userName = 'alice"; logoff 1')],
    ['a domain-qualified user name', (e) => (e.detail.userName = 'CONTOSO\\alice')],
    ['an unknown state', (e) => (e.detail.state = 'listen')],
    ['a fractional idle time', (e) => (e.detail.idleMinutes = 4.5)],
    ['a negative session id', (e) => (e.detail.sessionId = -1)],
    ['a logon time with seconds', (e) => (e.detail.logonTime = '2026-11-21T08:12:00')],
    ['an observation time without a zone', (e) => (e.detail.observedAt = '2026-11-21T20:05:00')],
    ['an extra detail field', (e) => (e.detail.command = 'shutdown')],
    ['another source', (e) => (e.source = 'aws.ssm')],
    ['a missing instance id', (e) => delete e.detail.instanceId],
    [
      'an instance id SSM refuses (i- + 10)',
      (e) => {
        e.detail.instanceId = 'i-0123456789';
        e.resources = ['arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789'];
      },
    ],
    [
      'a hybrid node id SSM refuses (mi- + 8), in the ARN too',
      (e) => {
        e.detail.instanceId = 'mi-01234567';
        e.resources = ['arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-01234567'];
      },
    ],
    [
      'an EC2 instance ARN naming a hybrid node',
      (e) => {
        e.detail.instanceId = 'mi-0123456789abcdef0';
        e.resources = ['arn:aws:ec2:us-east-1:123456789012:instance/mi-0123456789abcdef0'];
      },
    ],
    ['a non-instance resource', (e) => (e.resources = ['arn:aws:s3:::bucket'])],
    [
      'an event id the watcher does not subscribe to (25, a reconnect)',
      (e) => (e.detail.windowsEvent = { eventId: 25, recordId: 1 }),
    ],
    [
      'event 40 without its reason code',
      (e) => (e.detail.windowsEvent = { eventId: 40, recordId: 1 }),
    ],
    [
      'a reason code on event 24',
      (e) => (e.detail.windowsEvent = { eventId: 24, recordId: 1, reasonCode: 3 }),
    ],
    [
      'a reason code as text',
      (e) => (e.detail.windowsEvent = { eventId: 40, recordId: 1, reasonCode: '3' }),
    ],
    [
      'an extra field in the Windows event',
      (e) => (e.detail.windowsEvent = { eventId: 24, recordId: 1, message: 'x' }),
    ],
  ];

  it.each(bad)('rejects %s', async (_name, change) => {
    const event = mutate(await json('session-idle/active.json'), change);

    expect(sessionIdleEventSchema.safeParse(event).success).toBe(false);
  });

  it('still accepts an event without windowsEvent (what producers sent before the watcher)', async () => {
    const withWatcherFields = await json('session-idle/idle-timeout-event-40.json');
    const before = mutate(withWatcherFields, (e) => delete e.detail.windowsEvent);

    expect(sessionIdleEventSchema.parse(before).detail.windowsEvent).toBeUndefined();
    expect(sessionIdleEventSchema.parse(withWatcherFields).detail.windowsEvent).toEqual({
      eventId: 40,
      recordId: 48213,
      reasonCode: 3,
    });
  });

  it('rejects, in zod, a resource that names another instance than the detail', async () => {
    const event = mutate(await json('session-idle/active.json'), (e) => {
      e.resources = ['arn:aws:ec2:us-east-1:123456789012:instance/i-0fffffffffffffff0'];
    });

    expect(sessionIdleEventSchema.safeParse(event).error?.issues[0]?.path).toEqual([
      'resources',
      0,
    ]);
  });

  it('reads the host offset from the observation time', () => {
    expect(offsetMinutesOf('2026-11-21T21:05:00+01:00')).toBe(60);
    expect(offsetMinutesOf('2026-11-21T14:35:00-05:30')).toBe(-330);
    expect(offsetMinutesOf('2026-11-21T20:05:00Z')).toBe(0);
  });
});

describe('trigger samples', () => {
  it.each([
    'scheduler/default-notification.json',
    'scheduler/eventbridge-rule.json',
    'scheduler/sweep-input.json',
  ])('reads the scheduled time from %s', async (file) => {
    expect(sweepTriggerSchema.parse(await json(file))).toEqual({
      scheduledAt: new Date('2026-11-21T20:05:00Z'),
    });
  });

  it('finds the invocation of both Run Command status events, for our document only', async () => {
    const invocation = ssmStatusEventSchema.parse(
      await json('ssm/command-invocation-status-change.json')
    );
    const command = ssmStatusEventSchema.parse(await json('ssm/command-status-change.json'));
    const expected = {
      commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      instanceId: 'i-0a1b2c3d4e5f60718',
      status: 'Success',
    };

    const other = { operate: 'AWS-RunPowerShellScript', read: 'AWS-RunShellScript' };
    const read = {
      ...invocation,
      detail: { ...invocation.detail, 'document-name': READ_DOCUMENT_NAME },
    };
    expect(invocationsOf(invocation, DEFAULT_DOCUMENTS)).toEqual([expected]);
    expect(invocationsOf(command, DEFAULT_DOCUMENTS)).toEqual([expected]);
    expect(invocationsOf(read, DEFAULT_DOCUMENTS)).toEqual([expected]);
    expect(invocationsOf(invocation, other)).toEqual([]);
    expect(
      invocationsOf(
        { ...command, resources: [...command.resources, 'arn:aws:ec2:x'] },
        DEFAULT_DOCUMENTS
      )
    ).toEqual([]);
  });

  it('wraps the status events in a valid SQS batch', async () => {
    const batch = SqsSchema.parse(await json('sqs/command-status-batch.json'));

    expect(
      batch.Records.map((r) => ssmStatusEventSchema.parse(JSON.parse(r.body))['detail-type'])
    ).toEqual([
      'EC2 Command Invocation Status-change Notification',
      'EC2 Command Status-change Notification',
    ]);
  });
});

describe('the Action Status-change event', () => {
  it('publishes the JSON Schema generated from the schema its detail is built to (npm run schemas)', async () => {
    expect(await json('action-status-change.schema.json')).toEqual(
      eventJsonSchemas()['action-status-change.schema.json']
    );
  });

  it('has a sample that the schema accepts', async () => {
    const sample = await json('action-status-change/ticket-logoff.json');
    expect(actionStatusEventSchema.parse(sample).detail.trigger).toMatchObject({
      kind: 'api',
      ticketId: 'INC0012345',
    });
  });
});
