import {
  InternalServerError,
  InvalidInstanceId,
  ListCommandsCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findSentCommand } from '../../../lib/dispatch/unrecorded.js';
import { SsmServiceError, ThrottledError } from '../../../lib/ssm/errors.js';

/**
 * ListCommands answers the local SSM cannot give on demand: an instance SSM no longer knows,
 * throttling that does not stop, a 5xx.
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
const HOST = 'i-0123456789abcdef0';
const ACTION = 'act_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const query = { actionId: ACTION, instanceId: HOST, after: new Date('2026-11-21T20:00:00.400Z') };

function deps() {
  return {
    ssm,
    documents: { operate: 'SessionJanitor-Operate', read: 'SessionJanitor-Read' },
    retry: { maxAttempts: 3, random: () => 0, sleep: async () => undefined },
  };
}

describe('findSentCommand on SSM errors', () => {
  it('reads the document’s commands without the instance when SSM no longer knows it', async () => {
    const listing = {
      Commands: [
        { CommandId: 'c-other', Comment: `sj:act:${ACTION}`, InstanceIds: ['i-0fffffffffffffff0'] },
        {
          CommandId: 'c-mine',
          Comment: `sj:act:${ACTION}`,
          InstanceIds: [HOST],
          RequestedDateTime: new Date('2026-11-21T20:01:00Z'),
        },
      ],
    };
    ssmMock.on(ListCommandsCommand).callsFake((input: { InstanceId?: string }) => {
      if (input.InstanceId !== undefined) throw new InvalidInstanceId({ ...meta, message: '' });
      return listing;
    });

    const found = await findSentCommand(deps(), query);

    expect(found).toEqual({
      commandId: 'c-mine',
      requestedAt: new Date('2026-11-21T20:01:00Z'),
      expiresAfter: null,
    });
    const calls = ssmMock.commandCalls(ListCommandsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    // The SDK leaves an undefined member out of the request it sends.
    expect(calls[1]?.InstanceId).toBeUndefined();
    expect(calls[1]?.Filters).toEqual([
      { key: 'DocumentName', value: 'SessionJanitor-Operate' },
      { key: 'InvokedAfter', value: '2026-11-21T20:00:00Z' },
    ]);
  });

  it('gives up with ThrottledError when throttling outlasts the retries', async () => {
    ssmMock
      .on(ListCommandsCommand)
      .rejects(new ThrottlingException({ ...meta, message: 'slow', Message: 'slow' }));

    await expect(findSentCommand(deps(), query)).rejects.toBeInstanceOf(ThrottledError);
    expect(ssmMock.commandCalls(ListCommandsCommand)).toHaveLength(3);
  });

  it('reports a persistent 5xx as SsmServiceError after retrying it', async () => {
    ssmMock.on(ListCommandsCommand).rejects(new InternalServerError({ ...meta, message: 'boom' }));

    const error = await findSentCommand(deps(), query).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SsmServiceError);
    expect(error).toMatchObject({ operation: 'ListCommands', errorName: 'InternalServerError' });
    expect(ssmMock.commandCalls(ListCommandsCommand)).toHaveLength(3);
  });
});
