import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  InternalServerError,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  InvocationNotFoundError,
  InvocationWaitTimeoutError,
  SsmServiceError,
  ThrottledError,
} from '../../../lib/ssm/errors.js';
import { describeHost } from '../../../lib/ssm/instances.js';
import { readInvocation, waitForInvocation } from '../../../lib/ssm/read.js';
import { sendOperation } from '../../../lib/ssm/send.js';

/**
 * Error paths the local SSM cannot produce on demand (a 5xx, throttling that never stops, a
 * response without a command id, an invocation stuck in progress), through a mocked client.
 */

// The one client these tests use is mocked, not SSMClient's prototype: test files share their
// worker's modules, and a prototype mock would answer every other file's SSM calls.
const ssm = new SSMClient({ region: 'us-east-1', maxAttempts: 1 });
const ssmMock = mockClient(ssm);
afterEach(() => {
  ssmMock.reset();
});
afterAll(() => {
  ssmMock.restore();
});

const meta = { $metadata: {} };
const COMMAND_ID = '11111111-2222-3333-4444-555555555555';
const INSTANCE_ID = 'i-0123456789abcdef0';

/** A fake clock the injected sleep advances, so waits cost no real time. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

function sendDeps(time = fakeTime()) {
  return {
    ssm,
    documents: { operate: 'SessionJanitor-Operate', read: 'SessionJanitor-Read' },
    deliveryTimeoutSeconds: 600,
    retry: { maxAttempts: 4, random: () => 0.5, sleep: time.sleep },
  };
}

const logoff = {
  instanceIds: [INSTANCE_ID],
  parameters: { Operation: 'LogoffSession' as const, SessionId: '3', ExpectedUser: 'alice' },
  comment: 'sj:act_test',
};

describe('sendOperation error paths', () => {
  it('does not retry a 5xx on SendCommand, since the command may have gone out', async () => {
    ssmMock.on(SendCommandCommand).rejects(new InternalServerError({ message: 'boom', ...meta }));
    const error = await sendOperation(sendDeps(), logoff).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsmServiceError);
    expect((error as SsmServiceError).errorName).toBe('InternalServerError');
    expect((error as SsmServiceError).cause).toBeInstanceOf(InternalServerError);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('gives up on endless throttling after the configured attempts', async () => {
    const time = fakeTime();
    ssmMock
      .on(SendCommandCommand)
      .rejects(
        new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', ...meta })
      );
    const error = await sendOperation(sendDeps(time), logoff).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).attempts).toBe(4);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(4);
    expect(time.sleeps).toEqual([50, 100, 200]);
  });

  it('refuses a response without a command id', async () => {
    ssmMock.on(SendCommandCommand).resolves({ Command: {} });
    await expect(sendOperation(sendDeps(), logoff)).rejects.toBeInstanceOf(SsmServiceError);
  });
});

describe('readInvocation error paths', () => {
  it('retries a 5xx on reads and reports it once attempts run out', async () => {
    const time = fakeTime();
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejects(new InternalServerError({ message: 'boom', ...meta }));
    const error = await readInvocation(
      { ...sendDeps(time), now: time.now, sleep: time.sleep },
      { commandId: COMMAND_ID, instanceId: INSTANCE_ID }
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsmServiceError);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(4);
  });

  it('believes InvocationDoesNotExist only after the grace period', async () => {
    const time = fakeTime();
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejects(new InvocationDoesNotExist({ message: '', ...meta }));
    const error = await readInvocation(
      { ...sendDeps(time), now: time.now, sleep: time.sleep },
      { commandId: COMMAND_ID, instanceId: INSTANCE_ID, missingRetryMs: 2_000 }
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationNotFoundError);
    expect(time.now()).toBe(2_000);
    expect(time.sleeps).toEqual([100, 200, 400, 800, 500]);
  });

  it('times out waiting for an invocation stuck in progress, naming its last status', async () => {
    const time = fakeTime();
    ssmMock
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'InProgress', StatusDetails: 'InProgress', ResponseCode: -1 });
    const error = await waitForInvocation(
      { ...sendDeps(time), now: time.now, sleep: time.sleep },
      { commandId: COMMAND_ID, instanceId: INSTANCE_ID, timeoutMs: 1_000, pollMs: 250 }
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationWaitTimeoutError);
    expect((error as InvocationWaitTimeoutError).lastStatus).toBe('InProgress');
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(5);
  });
});

describe('describeHost error paths', () => {
  it('reports an instance SSM refuses as not found', async () => {
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .rejects(new InvalidInstanceId({ message: '', ...meta }));
    await expect(
      describeHost(sendDeps(), INSTANCE_ID, { tagKey: 'session-janitor:managed', tagValue: 'true' })
    ).resolves.toEqual({ found: false, managed: false, pingStatus: null, platformType: null });
  });
});

describe('sendOperation request shape', () => {
  it('sends an explicit timeout, MaxErrors 100% and CloudWatch output to the configured group', async () => {
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    await sendOperation({ ...sendDeps(), outputLogGroup: '/session-janitor/commands' }, logoff);
    expect(ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input).toEqual({
      DocumentName: 'SessionJanitor-Operate',
      InstanceIds: [INSTANCE_ID],
      Parameters: { Operation: ['LogoffSession'], SessionId: ['3'], ExpectedUser: ['alice'] },
      Comment: 'sj:act_test',
      TimeoutSeconds: 600,
      MaxConcurrency: '50',
      MaxErrors: '100%',
      CloudWatchOutputConfig: {
        CloudWatchOutputEnabled: true,
        CloudWatchLogGroupName: '/session-janitor/commands',
      },
    });
  });

  it('leaves CloudWatch output off when no log group is configured', async () => {
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    await expect(sendOperation({ ...sendDeps(), outputLogGroup: '' }, logoff)).resolves.toEqual({
      commandId: COMMAND_ID,
    });
    expect(
      ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input.CloudWatchOutputConfig
    ).toBeUndefined();
  });
});
