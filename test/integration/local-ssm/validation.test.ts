import {
  CancelCommandCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { createScriptedFleet, windowsInstance } from '../../helpers/ssm-fleet.js';
import { errorOf, localSsmClient } from '../../helpers/ssm-local.js';

const HOST = 'i-0a0000000000000a1';
const RETIRED = 'i-0f0000000000000f9';
const UNKNOWN = 'i-0123456789abcdef0';

let ssm: LocalSsm;
let client: SSMClient;

beforeAll(async () => {
  const fleet = createScriptedFleet([
    windowsInstance(HOST),
    windowsInstance(RETIRED, { pingStatus: 'Inactive' }),
  ]);
  ssm = await startLocalSsm({ fleet, timing: { pendingMs: 1, eventDelayMs: 0, msPerSecond: 1 } });
  client = localSsmClient(ssm.endpoint);
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

function send(overrides: Partial<SendCommandCommandInput>) {
  return client.send(
    new SendCommandCommand({
      DocumentName: DOCUMENT_NAME,
      InstanceIds: [HOST],
      Parameters: { Operation: ['ListSessions'] },
      ...overrides,
    })
  );
}

describe('SendCommand validation', () => {
  it.each([
    ['an unknown operation', { Operation: ['Format-Volume'] }],
    [
      'a value outside allowedPattern',
      { Operation: ['LogoffSession'], SessionId: ['1; logoff 2'] },
    ],
    ['a session id above 65536', { Operation: ['LogoffSession'], SessionId: ['65537'] }],
    ['a message with a subexpression', { Operation: ['NotifySession'], Message: ['Hi $(whoami)'] }],
    [
      'a parameter the document does not define',
      { Operation: ['ListSessions'], commands: ['dir'] },
    ],
    ['no Operation', { SessionId: ['3'] }],
    ['two values for a String parameter', { Operation: ['ListSessions', 'ListOpenFiles'] }],
  ])('refuses %s with InvalidParameters', async (_, parameters) => {
    const error = await errorOf(send({ Parameters: parameters }));
    expect(error.name).toBe('InvalidParameters');
  });

  it('refuses an unknown document with InvalidDocument', async () => {
    const error = await errorOf(send({ DocumentName: 'AWS-RunPowerShellScript' }));
    expect(error.name).toBe('InvalidDocument');
  });

  it('refuses an unknown document version with InvalidDocumentVersion', async () => {
    const error = await errorOf(send({ DocumentVersion: '7' }));
    expect(error.name).toBe('InvalidDocumentVersion');
  });

  it('refuses more than 50 instance ids with a ValidationException', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const error = await errorOf(send({ InstanceIds: ids }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("at 'instanceIds' failed to satisfy constraint");
  });

  it('refuses a Comment over 100 characters with a ValidationException', async () => {
    const error = await errorOf(send({ Comment: 'x'.repeat(101) }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('Member must have length less than or equal to 100');
    await expect(send({ Comment: 'x'.repeat(100) })).resolves.toBeDefined();
  });

  it('refuses a malformed instance id and an out-of-range timeout with ValidationException', async () => {
    expect((await errorOf(send({ InstanceIds: ['i-123'] }))).name).toBe('ValidationException');
    expect((await errorOf(send({ TimeoutSeconds: 29 }))).name).toBe('ValidationException');
    expect((await errorOf(send({ MaxErrors: '-1' }))).name).toBe('ValidationException');
  });

  it('refuses unknown and inactive instances with InvalidInstanceId', async () => {
    expect((await errorOf(send({ InstanceIds: [HOST, UNKNOWN] }))).name).toBe('InvalidInstanceId');
    expect((await errorOf(send({ InstanceIds: [RETIRED] }))).name).toBe('InvalidInstanceId');
  });

  it('refuses a repeated instance id with DuplicateInstanceId', async () => {
    expect((await errorOf(send({ InstanceIds: [HOST, HOST] }))).name).toBe('DuplicateInstanceId');
  });

  it('creates no command when it refuses one', async () => {
    const before = ssm.commands().length;
    await errorOf(send({ Parameters: { Operation: ['LogoffSession'], SessionId: ['`'] } }));
    expect(ssm.commands()).toHaveLength(before);
  });
});

describe('read operation validation', () => {
  it('answers InvocationDoesNotExist for an unknown command or instance', async () => {
    const commandId = (await send({})).Command?.CommandId ?? '';
    const unknownCommand = await errorOf(
      client.send(
        new GetCommandInvocationCommand({
          CommandId: '00000000-0000-4000-8000-000000000000',
          InstanceId: HOST,
        })
      )
    );
    expect(unknownCommand.name).toBe('InvocationDoesNotExist');
    const otherInstance = await errorOf(
      client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: UNKNOWN }))
    );
    expect(otherInstance.name).toBe('InvocationDoesNotExist');
    const plugin = await errorOf(
      client.send(
        new GetCommandInvocationCommand({
          CommandId: commandId,
          InstanceId: HOST,
          PluginName: 'aws:runPowerShellScript',
        })
      )
    );
    expect(plugin.name).toBe('InvalidPluginName');
    await ssm.idle();
  });

  it('answers InvalidCommandId for ListCommands and CancelCommand of an unknown command', async () => {
    const CommandId = '00000000-0000-4000-8000-000000000000';
    expect((await errorOf(client.send(new ListCommandsCommand({ CommandId })))).name).toBe(
      'InvalidCommandId'
    );
    expect((await errorOf(client.send(new CancelCommandCommand({ CommandId })))).name).toBe(
      'InvalidCommandId'
    );
    const none = await client.send(new ListCommandInvocationsCommand({ CommandId }));
    expect(none.CommandInvocations).toEqual([]);
  });

  it('refuses unknown filter keys, bad tokens and bad filter values', async () => {
    const key = await errorOf(
      client.send(new ListCommandsCommand({ Filters: [{ key: 'Owner' as 'Status', value: 'x' }] }))
    );
    expect(key.name).toBe('InvalidFilterKey');
    const stage = await errorOf(
      client.send(
        new ListCommandInvocationsCommand({
          Filters: [{ key: 'ExecutionStage', value: 'Complete' }],
        })
      )
    );
    expect(stage.name).toBe('InvalidFilterKey');
    const token = await errorOf(client.send(new ListCommandsCommand({ NextToken: 'bm9wZQ' })));
    expect(token.name).toBe('InvalidNextToken');
    // Tokens it never issued, though their base64url decodes to a number (or to nothing, which
    // Number() reads as 0): SSM refuses a token it did not hand out.
    for (const NextToken of ['@{a=1}', '', ' ', 'MA==', 'MDA', 'IDE', 'MC4w']) {
      const forged = await errorOf(
        client.send(new DescribeInstanceInformationCommand({ NextToken }))
      );
      expect(forged.name, NextToken).toBe('InvalidNextToken');
    }
    const ping = await errorOf(
      client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: 'PingStatus', Values: ['Asleep'] }],
        })
      )
    );
    expect(ping.name).toBe('InvalidInstanceInformationFilterValue');
    const both = await errorOf(
      client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: 'PingStatus', Values: ['Online'] }],
          InstanceInformationFilterList: [{ key: 'PingStatus', valueSet: ['Online'] }],
        })
      )
    );
    expect(both.name).toBe('InvalidInstanceInformationFilterValue');
    const unknown = await errorOf(
      client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: 'InstanceIds', Values: [UNKNOWN] }],
        })
      )
    );
    expect(unknown.name).toBe('InvalidInstanceId');
    const max = await errorOf(
      client.send(new DescribeInstanceInformationCommand({ MaxResults: 4 }))
    );
    expect(max.name).toBe('ValidationException');
  });

  it('refuses to describe a document it does not have', async () => {
    const error = await errorOf(
      client.send(new DescribeDocumentCommand({ Name: 'AWS-RunShellScript' }))
    );
    expect(error.name).toBe('InvalidDocument');
  });
});

describe('wire protocol', () => {
  async function post(target: string, body: string) {
    const response = await fetch(ssm.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { __type?: string; message?: string },
    };
  }

  it('answers errors as HTTP 400 with __type and message', async () => {
    const answer = await post(
      'AmazonSSM.SendCommand',
      JSON.stringify({ DocumentName: 'Nope-Doc', InstanceIds: [HOST], Parameters: {} })
    );
    expect(answer.status).toBe(400);
    expect(answer.type).toBe('application/x-amz-json-1.1');
    expect(answer.body).toEqual({ __type: 'InvalidDocument', message: expect.any(String) });
  });

  it('refuses an unknown target and a body that is not JSON', async () => {
    expect((await post('AmazonSSM.DeleteEverything', '{}')).body.__type).toBe(
      'UnknownOperationException'
    );
    expect((await post('AmazonSSM.ListCommands', '{nope')).body.__type).toBe(
      'SerializationException'
    );
    expect((await post('AmazonSSM.ListCommands', '')).status).toBe(200);
  });
});
