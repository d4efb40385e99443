import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm, LocalSsmOptions, SsmEventBridgeEvent } from '../../../local/ssm/types.js';
import { createScriptedFleet, envelopeRun, windowsInstance } from '../../helpers/ssm-fleet.js';
import {
  errorOf,
  invocationStatuses,
  localSsmClient,
  recordEvents,
} from '../../helpers/ssm-local.js';

const HOSTS = ['i-0a0000000000000a1', 'i-0b0000000000000b2', 'i-0c0000000000000c3'] as const;
const [HOST_A, HOST_B, HOST_C] = HOSTS;
const FAST = {
  pendingMs: 1,
  delayedAfterMs: 1,
  retryDeliveryMs: 2,
  eventDelayMs: 0,
  msPerSecond: 1,
};

const open: { ssm: LocalSsm; client: SSMClient }[] = [];

async function start(options: Partial<LocalSsmOptions> = {}) {
  const fleet = createScriptedFleet(
    HOSTS.map((id) => windowsInstance(id)),
    (_, parameters) => envelopeRun(parameters, { durationMs: 1 })
  );
  const ssm = await startLocalSsm({ fleet, timing: FAST, ...options });
  const client = localSsmClient(ssm.endpoint);
  open.push({ ssm, client });
  const { events } = recordEvents(ssm.subscribe);
  return { ssm, client, events, fleet };
}

afterEach(async () => {
  for (const { ssm, client } of open.splice(0)) {
    client.destroy();
    await ssm.close();
  }
});

function listSessions(client: SSMClient, instanceIds: string[] = [HOST_A]) {
  return client.send(
    new SendCommandCommand({
      DocumentName: DOCUMENT_NAME,
      InstanceIds: instanceIds,
      Parameters: { Operation: ['ListSessions'] },
      TimeoutSeconds: 30,
    })
  );
}

async function throttledCalls(seed: number): Promise<boolean[]> {
  const { client } = await start({ seed, faults: { throttleRate: 0.5 } });
  const outcomes: boolean[] = [];
  for (let i = 0; i < 20; i++) {
    const error = await errorOf(client.send(new ListCommandsCommand({}))).catch(() => null);
    outcomes.push(error?.name === 'ThrottlingException');
  }
  return outcomes;
}

describe('fault knobs', () => {
  it('throttles every call at rate 1 with ThrottlingException: Rate exceeded', async () => {
    const { client, ssm } = await start({ faults: { throttleRate: 1 } });
    const error = await errorOf(listSessions(client));
    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect(ssm.commands()).toHaveLength(0);
    ssm.setFaults({ throttleRate: 0 });
    await expect(listSessions(client)).resolves.toBeDefined();
  });

  it('throttles the same calls for the same seed', async () => {
    const first = await throttledCalls(42);
    const second = await throttledCalls(42);
    expect(first).toEqual(second);
    expect(first.filter(Boolean).length).toBeGreaterThan(3);
    expect(first.filter(Boolean).length).toBeLessThan(17);
  });

  it('takes hosts offline: ConnectionLost, then Delayed and DeliveryTimedOut', async () => {
    const { client, ssm, events } = await start({ faults: { offlineInstanceIds: [HOST_B] } });
    const info = await client.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }],
      })
    );
    expect(info.InstanceInformationList?.map((item) => item.InstanceId)).toEqual([HOST_B]);
    const sent = await listSessions(client, [HOST_A, HOST_B]);
    await ssm.idle();
    expect(invocationStatuses(events, HOST_B)).toEqual(['Pending', 'Delayed', 'TimedOut']);
    expect(invocationStatuses(events, HOST_A).at(-1)).toBe('Success');
    const reading = await client.send(
      new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: HOST_B })
    );
    expect(reading.StatusDetails).toBe('DeliveryTimedOut');
  });

  it('slows a host down past the execution timeout', async () => {
    const { client, ssm } = await start({ faults: { slowInstanceMs: { [HOST_C]: 500 } } });
    const sent = await listSessions(client, [HOST_A, HOST_C]);
    await ssm.idle();
    const commandId = sent.Command?.CommandId;
    const slow = await client.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: HOST_C })
    );
    const fast = await client.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: HOST_A })
    );
    expect(slow.StatusDetails).toBe('ExecutionTimedOut');
    expect(fast.Status).toBe('Success');
  });

  it('slows a host down within the execution timeout', async () => {
    const { client, ssm } = await start({
      timing: { ...FAST, msPerSecond: 10 },
      faults: { slowInstanceMs: { [HOST_A]: 60 } },
    });
    const sent = await listSessions(client);
    await ssm.idle();
    const reading = await client.send(
      new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: HOST_A })
    );
    expect(reading.Status).toBe('Success');
    expect(Number(reading.ExecutionElapsedTime?.slice(2, -1))).toBeGreaterThanOrEqual(0.055);
  });

  it('loses every event at drop rate 1 and still becomes idle', async () => {
    const { client, ssm, events } = await start({ faults: { dropEventRate: 1 } });
    await listSessions(client);
    await ssm.idle();
    expect(events).toEqual([]);
  });

  it('delivers every event twice, with the same id, at duplicate rate 1', async () => {
    const { client, ssm, events } = await start({ faults: { duplicateEventRate: 1 } });
    await listSessions(client);
    await ssm.idle();
    expect(invocationStatuses(events, HOST_A)).toEqual([
      'Pending',
      'Pending',
      'InProgress',
      'InProgress',
      'Success',
      'Success',
    ]);
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length / 2);
  });

  it('holds every event back by lateEventMs at late rate 1, in its order', async () => {
    const { client, ssm, events } = await start({
      faults: { lateEventRate: 1, lateEventMs: 40 },
    });
    const started = performance.now();
    await listSessions(client);
    await ssm.idle();
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(invocationStatuses(events, HOST_A)).toEqual(['Pending', 'InProgress', 'Success']);
  });

  it('delivers a late share out of order: an earlier status after a later one', async () => {
    const { client, ssm, events } = await start({
      seed: 3,
      faults: { lateEventRate: 0.5, lateEventMs: 200 },
    });
    await listSessions(client, [...HOSTS]);
    await ssm.idle();
    const order = ['Pending', 'InProgress', 'Success'];
    const outOfOrder = HOSTS.filter((host) => {
      const seen = invocationStatuses(events, host).map((s) => order.indexOf(s));
      return seen.some((rank, i) => i > 0 && rank < (seen[i - 1] ?? 0));
    });
    expect(outOfOrder.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThanOrEqual(HOSTS.length * 3);
  });

  it('drops the same events for the same seed', async () => {
    const lost = async () => {
      const { client, ssm, events } = await start({ seed: 7, faults: { dropEventRate: 0.5 } });
      await listSessions(client, [...HOSTS]);
      await ssm.idle();
      return events
        .map((event: SsmEventBridgeEvent) =>
          event['detail-type'] === 'EC2 Command Invocation Status-change Notification'
            ? `${event.detail['instance-id']}:${event.detail.status}`
            : `command:${event.detail.status}`
        )
        .sort();
    };
    const first = await lost();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(12);
    expect(await lost()).toEqual(first);
  });

  it('answers InvocationDoesNotExist for a while after SendCommand', async () => {
    const { client, ssm } = await start({ faults: { invocationNotFoundMs: 300 } });
    const sent = await listSessions(client);
    const input = { CommandId: sent.Command?.CommandId, InstanceId: HOST_A };
    const early = await errorOf(client.send(new GetCommandInvocationCommand(input)));
    expect(early.name).toBe('InvocationDoesNotExist');
    await new Promise((resolve) => setTimeout(resolve, 310));
    await ssm.idle();
    expect((await client.send(new GetCommandInvocationCommand(input))).Status).toBe('Success');
  });

  it('reports a failing listener and still delivers to the others', async () => {
    const failures: string[] = [];
    const { client, ssm, events } = await start({
      onListenerError: (error, event) => failures.push(`${event.detail.status}: ${String(error)}`),
    });
    ssm.subscribe(() => {
      throw new Error('handler crashed');
    });
    await listSessions(client);
    await ssm.idle();
    expect(invocationStatuses(events, HOST_A)).toEqual(['Pending', 'InProgress', 'Success']);
    expect(failures).toContain('Success: Error: handler crashed');
  });

  it('lets an awaited listener finish before idle resolves', async () => {
    const { client, ssm } = await start();
    const handled: string[] = [];
    ssm.subscribe(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      handled.push(event.detail.status);
    });
    await listSessions(client);
    await ssm.idle();
    expect(handled).toContain('Success');
  });
});
