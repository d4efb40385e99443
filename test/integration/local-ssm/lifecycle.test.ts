import {
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { EXIT } from '../../../lib/ssm/host-contract.js';
import {
  MAX_PLUGIN_OUTPUT_SIZE,
  MAX_STDERR_LENGTH,
  MAX_STDOUT_LENGTH,
  OUTPUT_TRUNCATED_SUFFIX,
} from '../../../local/ssm/output.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm, SsmEventBridgeEvent } from '../../../local/ssm/types.js';
import {
  createScriptedFleet,
  envelopeRun,
  type ScriptedFleet,
  windowsInstance,
} from '../../helpers/ssm-fleet.js';
import { invocationStatuses, localSsmClient, recordEvents } from '../../helpers/ssm-local.js';

const HOST = 'i-0a0000000000000a1';
const OTHER = 'i-0b0000000000000b2';
const ACCOUNT = '210987654321';

let fleet: ScriptedFleet;
let ssm: LocalSsm;
let client: SSMClient;
let events: SsmEventBridgeEvent[];

beforeEach(async () => {
  fleet = createScriptedFleet([windowsInstance(HOST), windowsInstance(OTHER)]);
  ssm = await startLocalSsm({
    fleet,
    accountId: ACCOUNT,
    region: 'eu-west-1',
    timing: {
      pendingMs: 2,
      delayedAfterMs: 2,
      retryDeliveryMs: 5,
      eventDelayMs: 1,
      msPerSecond: 1,
    },
  });
  client = localSsmClient(ssm.endpoint);
  events = recordEvents(ssm.subscribe).events;
});

afterEach(async () => {
  client.destroy();
  await ssm.close();
});

// 600 SSM seconds are 0.6 real seconds here: long enough that a busy machine's event-loop stall
// never turns a reachable host's command into DeliveryTimedOut (30 did, under load).
async function send(instanceIds: string[], timeoutSeconds = 600) {
  const sent = await client.send(
    new SendCommandCommand({
      DocumentName: DOCUMENT_NAME,
      InstanceIds: instanceIds,
      TimeoutSeconds: timeoutSeconds,
      Parameters: { Operation: ['LogoffSession'], SessionId: ['4'], ExpectedUser: ['alice'] },
    })
  );
  return sent.Command?.CommandId ?? '';
}

function read(commandId: string, instanceId = HOST) {
  return client.send(
    new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })
  );
}

describe('invocation lifecycle', () => {
  it('moves Pending → InProgress → Success and reports it as both event shapes', async () => {
    client.destroy();
    await ssm.close();
    ssm = await startLocalSsm({
      fleet,
      accountId: ACCOUNT,
      region: 'eu-west-1',
      timing: { pendingMs: 250, eventDelayMs: 1 },
    });
    client = localSsmClient(ssm.endpoint);
    events = recordEvents(ssm.subscribe).events;
    fleet.setScript((_, parameters) => envelopeRun(parameters, { durationMs: 300 }));
    const commandId = await send([HOST]);
    const pending = await read(commandId);
    expect(pending).toMatchObject({
      Status: 'Pending',
      StatusDetails: 'Pending',
      ResponseCode: -1,
    });
    expect(pending.ExecutionStartDateTime).toBe('');
    expect(pending.StandardOutputContent).toBe('');
    await vi.waitFor(async () => expect((await read(commandId)).Status).not.toBe('Pending'), {
      interval: 5,
    });
    const running = await read(commandId);
    expect(running).toMatchObject({ Status: 'InProgress', StatusDetails: 'InProgress' });
    expect(running.ExecutionStartDateTime).toMatch(/Z$/);
    expect(running.StandardOutputContent).toBe('');
    await ssm.idle();
    expect((await read(commandId)).Status).toBe('Success');
    expect(invocationStatuses(events, HOST)).toEqual(['Pending', 'InProgress', 'Success']);

    const invocationEvent = events.find(
      (event) =>
        event['detail-type'] === 'EC2 Command Invocation Status-change Notification' &&
        event.detail.status === 'Success'
    );
    expect(Object.keys(invocationEvent ?? {}).sort()).toEqual(
      [
        'account',
        'detail',
        'detail-type',
        'id',
        'region',
        'resources',
        'source',
        'time',
        'version',
      ].sort()
    );
    expect(invocationEvent).toMatchObject({
      version: '0',
      source: 'aws.ssm',
      account: ACCOUNT,
      region: 'eu-west-1',
      resources: [`arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${HOST}`],
      detail: { 'command-id': commandId, 'document-name': DOCUMENT_NAME, 'instance-id': HOST },
    });
    expect(invocationEvent?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(invocationEvent?.detail ?? {}).sort()).toEqual(
      ['command-id', 'document-name', 'instance-id', 'requested-date-time', 'status'].sort()
    );

    const commandEvents = events.filter(
      (event) => event['detail-type'] === 'EC2 Command Status-change Notification'
    );
    expect(commandEvents.map((event) => event.detail.status)).toEqual([
      'Pending',
      'InProgress',
      'Success',
    ]);
    const last = commandEvents.at(-1);
    expect(Object.keys(last?.detail ?? {}).sort()).toEqual(
      [
        'command-id',
        'document-name',
        'expire-after',
        'parameters',
        'requested-date-time',
        'status',
      ].sort()
    );
    expect(last?.detail).toMatchObject({
      parameters: { Operation: ['LogoffSession'], SessionId: ['4'], ExpectedUser: ['alice'] },
    });
    expect(last?.detail['requested-date-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('marks a non-zero exit Failed with that ResponseCode and keeps its output', async () => {
    fleet.setScript((_, parameters) =>
      envelopeRun(parameters, {
        exitCode: EXIT.guardUserMismatch,
        stderr: 'Session 4 belongs to bob',
      })
    );
    const commandId = await send([HOST]);
    await ssm.idle();
    const reading = await read(commandId);
    expect(reading).toMatchObject({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 21 });
    expect(JSON.parse(reading.StandardOutputContent ?? '').stderr).toBe('Session 4 belongs to bob');
    const listed = await client.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(listed.Commands?.[0]).toMatchObject({
      Status: 'Failed',
      ErrorCount: 1,
      CompletedCount: 1,
    });
  });

  it('times a script out after the document executionTimeout', async () => {
    fleet.setScript((_, parameters) => envelopeRun(parameters, { durationMs: 10_000 }));
    const commandId = await send([HOST]);
    await ssm.idle();
    const reading = await read(commandId);
    expect(reading).toMatchObject({
      Status: 'TimedOut',
      StatusDetails: 'ExecutionTimedOut',
      ResponseCode: -1,
      StandardOutputContent: '',
    });
    const elapsedMs = Number(reading.ExecutionElapsedTime?.slice(2, -1)) * 1000;
    // 120 document seconds at 1 ms per second.
    expect(elapsedMs).toBeGreaterThanOrEqual(110);
    expect(invocationStatuses(events, HOST).at(-1)).toBe('TimedOut');
  });

  it('delays delivery to an unreachable host and times delivery out', async () => {
    fleet.setPingStatus(HOST, 'ConnectionLost');
    const commandId = await send([HOST, OTHER]);
    await ssm.idle();
    const reading = await read(commandId);
    expect(reading).toMatchObject({
      Status: 'TimedOut',
      StatusDetails: 'DeliveryTimedOut',
      ResponseCode: -1,
      ExecutionStartDateTime: '',
    });
    expect(invocationStatuses(events, HOST)).toEqual(['Pending', 'Delayed', 'TimedOut']);
    expect((await read(commandId, OTHER)).Status).toBe('Success');
    expect(fleet.runs.map((run) => run.instanceId)).toEqual([OTHER]);
    const listed = await client.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(listed.Commands?.[0]).toMatchObject({
      Status: 'TimedOut',
      StatusDetails: 'DeliveryTimedOut',
      DeliveryTimedOutCount: 1,
    });
  });

  it('delivers to a reachable host even when a busy process fires the delivery timer late', async () => {
    // 30 SSM seconds are 30 real ms here: a process busy for longer than that right after the
    // send used to time the command out before its first delivery attempt ran.
    const commandId = await send([HOST], 30);
    const busyUntil = Date.now() + 100;
    while (Date.now() < busyUntil) {
      // The event loop is blocked: the attempt due 2 ms after the send fires about 100 ms late.
    }
    await ssm.idle();
    expect((await read(commandId)).Status).toBe('Success');
  });

  it('delivers a delayed command when the host comes back in time', async () => {
    fleet.setPingStatus(HOST, 'ConnectionLost');
    const commandId = await send([HOST], 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    fleet.setPingStatus(HOST, 'Online');
    await ssm.idle();
    expect((await read(commandId)).Status).toBe('Success');
    expect(invocationStatuses(events, HOST)).toEqual([
      'Pending',
      'Delayed',
      'InProgress',
      'Success',
    ]);
  });
});

describe('output truncation', () => {
  it('keeps the first 24,000 characters of stdout and 2,500 of plugin output, as the agent does', async () => {
    const stdout = 'a'.repeat(30_000);
    fleet.setScript(() => ({ exitCode: 0, stdout, stderr: 'warning', durationMs: 0 }));
    const commandId = await send([HOST]);
    await ssm.idle();
    const reading = await read(commandId);
    const content = reading.StandardOutputContent ?? '';
    expect(content).toHaveLength(MAX_STDOUT_LENGTH);
    expect(content.endsWith(OUTPUT_TRUNCATED_SUFFIX)).toBe(true);
    expect(reading.StandardErrorContent).toBe('warning');
    fleet.setScript(() => ({ exitCode: 1, stdout: '', stderr: 'e'.repeat(10_000), durationMs: 0 }));
    const failedId = await send([HOST]);
    await ssm.idle();
    const failed = await read(failedId);
    expect(failed.StandardErrorContent).toHaveLength(MAX_STDERR_LENGTH);
    expect(failed.StandardErrorContent?.endsWith(OUTPUT_TRUNCATED_SUFFIX)).toBe(true);
    const listed = await client.send(
      new ListCommandInvocationsCommand({ CommandId: commandId, Details: true })
    );
    const output = listed.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output ?? '';
    expect(output.length).toBeLessThanOrEqual(MAX_PLUGIN_OUTPUT_SIZE);
    expect(output).toContain('\n---Output truncated---\n----------ERROR-------\nwarning');
  });
});
