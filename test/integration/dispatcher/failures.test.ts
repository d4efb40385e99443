import { CancelCommandCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DocumentNotFoundError,
  InvalidHostParameterError,
  InvalidInstanceError,
  InvalidRequestError,
  InvocationNotFoundError,
  ParametersRejectedError,
  ThrottledError,
} from '../../../lib/ssm/errors.js';
import type { HostParameters } from '../../../lib/ssm/host-contract.js';
import { outcomeOf, outcomeOfSendError } from '../../../lib/ssm/outcome.js';
import { listParameters, toHostParameters } from '../../../lib/ssm/parameters.js';
import { readInvocation, waitForInvocation } from '../../../lib/ssm/read.js';
import { sendInBatches, sendOperation, translateSendError } from '../../../lib/ssm/send.js';
import { FAST_RETRY, type Harness, sessionHost, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  h = await startHarness(...args);
  return h;
}

const UNKNOWN_INSTANCE = 'i-0fffffffffffffff0';

const INJECTIONS = [
  'alice; Remove-Item C:\\ -Recurse',
  'alice | Out-File x',
  'alice`whoami',
  '$(whoami)',
  'alice\nwhoami',
  "alice' + 'x",
  'alice" + "x',
  '--% /c calc',
  'a'.repeat(2_000),
];

describe('dispatcher failure modes against the local SSM', () => {
  it('reports an unreachable host as undeliverable after the delivery timeout', async () => {
    const t = await harness();
    const instanceId = sessionHost(t.fleet);
    t.ssm.setFaults({ offlineInstanceIds: [instanceId] });
    const { commandId } = await sendOperation(
      { ...t.send, deliveryTimeoutSeconds: 30 },
      {
        instanceIds: [instanceId],
        parameters: toHostParameters({
          operation: 'logoff',
          target: { kind: 'session', sessionId: 2, expectedUser: 'anyone' },
        }),
        comment: 'sj:act_offline',
      }
    );
    const reading = await waitForInvocation(t.read, {
      commandId,
      instanceId,
      timeoutMs: 5_000,
      pollMs: 5,
    });
    expect(reading.status).toBe('TimedOut');
    expect(outcomeOf(reading, 'logoff')).toMatchObject({
      status: 'undeliverable',
      result: { errorCode: 'ssm:DeliveryTimedOut' },
    });
  });

  it('reports a script that outlives the execution timeout as timed_out, never succeeded', async () => {
    const t = await harness();
    const instanceId = sessionHost(t.fleet);
    const sessionId = t.fleet.addSession(instanceId, { user: 'lena', idleMinutes: 60 });
    t.ssm.setFaults({ slowInstanceMs: { [instanceId]: 400 } });
    const { commandId } = await sendOperation(t.send, {
      instanceIds: [instanceId],
      parameters: toHostParameters({
        operation: 'disconnect',
        target: { kind: 'session', sessionId, expectedUser: 'lena' },
      }),
      comment: 'sj:act_slow',
    });
    const reading = await waitForInvocation(t.read, {
      commandId,
      instanceId,
      timeoutMs: 5_000,
      pollMs: 5,
    });
    expect(outcomeOf(reading, 'disconnect')).toMatchObject({
      status: 'timed_out',
      result: { errorCode: 'ssm:ExecutionTimedOut' },
    });
  });

  it('reports a cancelled command as cancelled', async () => {
    const t = await harness();
    const instanceId = sessionHost(t.fleet);
    t.ssm.setFaults({ offlineInstanceIds: [instanceId] });
    const { commandId } = await sendOperation(t.send, {
      instanceIds: [instanceId],
      parameters: listParameters('ListSessions'),
      comment: 'sj:act_cancel',
    });
    await t.client.send(new CancelCommandCommand({ CommandId: commandId }));
    const reading = await waitForInvocation(t.read, {
      commandId,
      instanceId,
      timeoutMs: 5_000,
      pollMs: 5,
    });
    expect(outcomeOf(reading, 'ListSessions')).toMatchObject({
      status: 'cancelled',
      result: { errorCode: 'ssm:Cancelled' },
    });
  });

  it('maps an unmanaged instance id to InvalidInstanceError and an undeliverable action', async () => {
    const t = await harness();
    const error = await sendOperation(t.send, {
      instanceIds: [UNKNOWN_INSTANCE],
      parameters: listParameters('ListSessions'),
      comment: 'sj:act_unknown',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInstanceError);
    expect((error as InvalidInstanceError).cause).toMatchObject({ name: 'InvalidInstanceId' });
    expect(outcomeOfSendError(error)).toMatchObject({
      status: 'undeliverable',
      result: { errorCode: 'ssm:InvalidInstanceId' },
    });
  });

  it('isolates a bad id in a batch and still sends to the others', async () => {
    const t = await harness();
    const good = t.fleet
      .instances()
      .filter((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true')
      .map((i) => i.instanceId);
    const result = await sendInBatches(t.send, {
      instanceIds: [...good.slice(0, 3), UNKNOWN_INSTANCE, ...good.slice(3)],
      parameters: listParameters('ListSessions'),
      comment: 'sj:sweep:batch',
    });
    expect(result.sent.flatMap((s) => s.instanceIds).sort()).toEqual([...good].sort());
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.instanceIds).toEqual([UNKNOWN_INSTANCE]);
    expect(result.rejected[0]?.error).toBeInstanceOf(InvalidInstanceError);
  });

  it('splits more than 50 instances into commands of at most 50', async () => {
    const t = await harness({ hosts: 60 });
    const ids = t.fleet
      .instances()
      .filter((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true')
      .map((i) => i.instanceId);
    expect(ids.length).toBeGreaterThan(50);
    await expect(
      sendOperation(t.send, {
        instanceIds: ids,
        parameters: listParameters('ListSessions'),
        comment: 'x',
      })
    ).rejects.toBeInstanceOf(InvalidRequestError);
    const result = await sendInBatches(t.send, {
      instanceIds: ids,
      parameters: listParameters('ListSessions'),
      comment: 'sj:sweep:big',
    });
    expect(result.rejected).toEqual([]);
    expect(result.sent.map((s) => s.instanceIds.length)).toEqual([50, ids.length - 50]);
    expect(t.ssm.commands().every((c) => c.instanceIds.length <= 50)).toBe(true);
  });

  it('rides out throttling with backoff, and gives up with ThrottledError when it never stops', async () => {
    const t = await harness({ faults: { throttleRate: 0.5 } });
    const instanceId = sessionHost(t.fleet);
    const backoffs: number[] = [];
    const retry = {
      ...FAST_RETRY,
      sleep: async (ms: number) => {
        backoffs.push(ms);
      },
    };
    for (let i = 0; i < 5; i++) {
      const { commandId } = await sendOperation(
        { ...t.send, retry },
        {
          instanceIds: [instanceId],
          parameters: listParameters('ListSessions'),
          comment: `sj:throttled:${i}`,
        }
      );
      const reading = await waitForInvocation(
        { ...t.read, retry },
        { commandId, instanceId, timeoutMs: 5_000, pollMs: 5 }
      );
      expect(reading.status).toBe('Success');
    }
    expect(backoffs.length).toBeGreaterThan(0);
    t.ssm.setFaults({ throttleRate: 1 });
    const error = await sendOperation(t.send, {
      instanceIds: [instanceId],
      parameters: listParameters('ListSessions'),
      comment: 'sj:throttled:never',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(outcomeOfSendError(error).status).toBe('retry');
  });

  it('retries InvocationDoesNotExist right after sending, and believes it after the grace period', async () => {
    const t = await harness({ faults: { invocationNotFoundMs: 60 } });
    const instanceId = sessionHost(t.fleet);
    const send = () =>
      sendOperation(t.send, {
        instanceIds: [instanceId],
        parameters: listParameters('ListSessions'),
        comment: 'sj:eventual',
      });
    const first = await send();
    const reading = await readInvocation(t.read, { ...first, instanceId, missingRetryMs: 2_000 });
    expect(reading.commandId).toBe(first.commandId);
    const second = await send();
    await expect(
      readInvocation(t.read, { ...second, instanceId, missingRetryMs: 0 })
    ).rejects.toBeInstanceOf(InvocationNotFoundError);
  });

  it('believes an unknown command id missing once the grace period is over', async () => {
    const t = await harness();
    await expect(
      readInvocation(t.read, {
        commandId: '00000000-0000-4000-8000-000000000000',
        instanceId: sessionHost(t.fleet),
        missingRetryMs: 30,
      })
    ).rejects.toBeInstanceOf(InvocationNotFoundError);
  });

  it('maps a missing document to DocumentNotFoundError', async () => {
    const t = await harness();
    await expect(
      sendOperation(
        {
          ...t.send,
          documents: { operate: 'SessionJanitor-Missing', read: 'SessionJanitor-Missing' },
        },
        {
          instanceIds: [sessionHost(t.fleet)],
          parameters: listParameters('ListSessions'),
          comment: 'x',
        }
      )
    ).rejects.toBeInstanceOf(DocumentNotFoundError);
  });

  it('refuses injection strings before SSM: nothing is sent', async () => {
    const t = await harness();
    const instanceId = sessionHost(t.fleet);
    for (const value of INJECTIONS) {
      const parameters = {
        Operation: 'LogoffSession',
        SessionId: '2',
        ExpectedUser: value,
      } as const satisfies HostParameters;
      await expect(
        sendOperation(t.send, { instanceIds: [instanceId], parameters, comment: 'sj:inject' })
      ).rejects.toBeInstanceOf(InvalidHostParameterError);
    }
    expect(t.ssm.commands()).toEqual([]);
  });

  it('has the local SSM refuse injection strings that bypass the dispatcher, before any host sees them', async () => {
    const t = await harness();
    const instanceId = sessionHost(t.fleet);
    const before = JSON.stringify(t.fleet.host(instanceId));
    const targets: [string, string][] = INJECTIONS.flatMap((value) => [
      ['ExpectedUser', value],
      ['Message', value],
    ]);
    for (const [name, value] of targets) {
      const error = await t.client
        .send(
          new SendCommandCommand({
            DocumentName: 'SessionJanitor-Operate',
            InstanceIds: [instanceId],
            Parameters: {
              Operation: ['NotifySession'],
              SessionId: ['2'],
              ExpectedUser: ['alice'],
              Message: ['Hello'],
              WarnSeconds: ['60'],
              [name]: [value],
            },
            TimeoutSeconds: 600,
          })
        )
        .catch((e: unknown) => e);
      const typed = translateSendError(
        error,
        { instanceIds: [instanceId] },
        'SessionJanitor-Operate'
      );
      expect(typed, `${name}=${value.slice(0, 20)}`).toBeInstanceOf(ParametersRejectedError);
    }
    expect(t.ssm.commands()).toEqual([]);
    await t.ssm.idle();
    expect(JSON.stringify(t.fleet.host(instanceId))).toBe(before);
  });

  it('refuses a comment over 100 characters and an out-of-range delivery timeout', async () => {
    const t = await harness();
    const request = {
      instanceIds: [sessionHost(t.fleet)],
      parameters: listParameters('ListSessions'),
      comment: 'x'.repeat(101),
    };
    await expect(sendOperation(t.send, request)).rejects.toMatchObject({ field: 'comment' });
    await expect(
      sendOperation({ ...t.send, deliveryTimeoutSeconds: 29 }, { ...request, comment: 'ok' })
    ).rejects.toMatchObject({ field: 'deliveryTimeoutSeconds' });
    expect(t.ssm.commands()).toEqual([]);
  });
});
