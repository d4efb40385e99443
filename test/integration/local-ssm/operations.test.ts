import {
  CancelCommandCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { HOST_PARAMETERS, hostEnvelopeSchema } from '../../../lib/ssm/host-contract.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import {
  createScriptedFleet,
  envelopeRun,
  type ScriptedFleet,
  windowsInstance,
} from '../../helpers/ssm-fleet.js';
import { localSsmClient } from '../../helpers/ssm-local.js';

const HOST_A = 'i-0a0000000000000a1';
const HOST_B = 'i-0b0000000000000b2';
const FILER = 'i-0c0000000000000c3';
const LOST = 'i-0d0000000000000d4';
const HYBRID = 'mi-0e0000000000000e5';

let fleet: ScriptedFleet;
let ssm: LocalSsm;
let client: SSMClient;

beforeAll(async () => {
  fleet = createScriptedFleet([
    windowsInstance(HOST_A, { tags: { 'session-janitor:managed': 'true', env: 'prod' } }),
    windowsInstance(HOST_B, { tags: { 'session-janitor:managed': 'true', env: 'test' } }),
    windowsInstance(FILER, { role: 'file-server', tags: { env: 'prod' } }),
    windowsInstance(LOST, { pingStatus: 'ConnectionLost' }),
    windowsInstance(HYBRID),
  ]);
  ssm = await startLocalSsm({ fleet, timing: { pendingMs: 1, eventDelayMs: 0, msPerSecond: 1 } });
  client = localSsmClient(ssm.endpoint);
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

describe('local SSM operations through the real SDK', () => {
  it('describes the document with its parameters and defaults', async () => {
    const { Document } = await client.send(new DescribeDocumentCommand({ Name: DOCUMENT_NAME }));
    expect(Document?.Name).toBe(DOCUMENT_NAME);
    expect(Document?.Status).toBe('Active');
    expect(Document?.SchemaVersion).toBe('2.2');
    expect(Document?.DocumentType).toBe('Command');
    expect(Document?.PlatformTypes).toEqual(['Windows']);
    expect(Document?.Hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Document?.CreatedDate).toBeInstanceOf(Date);
    const names = Document?.Parameters?.map((parameter) => parameter.Name);
    expect(names).toEqual(['Operation', ...HOST_PARAMETERS]);
    const operation = Document?.Parameters?.find((parameter) => parameter.Name === 'Operation');
    expect(operation?.DefaultValue).toBeUndefined();
    const sessionId = Document?.Parameters?.find((parameter) => parameter.Name === 'SessionId');
    expect(sessionId?.DefaultValue).toBe('');
  });

  it('lists managed instances filtered by tag and PingStatus, page by page', async () => {
    const byTag = await client.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'tag:session-janitor:managed', Values: ['true'] }],
        MaxResults: 5,
      })
    );
    expect(byTag.InstanceInformationList?.map((info) => info.InstanceId)).toEqual([
      HOST_A,
      HOST_B,
      LOST,
      HYBRID,
    ]);
    const online = await client.send(
      new DescribeInstanceInformationCommand({
        Filters: [
          { Key: 'tag:session-janitor:managed', Values: ['true'] },
          { Key: 'PingStatus', Values: ['Online'] },
          { Key: 'tag:env', Values: ['prod', 'test'] },
        ],
      })
    );
    expect(online.InstanceInformationList?.map((info) => info.InstanceId)).toEqual([
      HOST_A,
      HOST_B,
    ]);
    const first = online.InstanceInformationList?.[0];
    expect(first).toMatchObject({
      PingStatus: 'Online',
      PlatformType: 'Windows',
      ResourceType: 'EC2Instance',
      ComputerName: 'HOST-00A1',
      AgentVersion: '3.3.2746.0',
    });
    expect(first?.LastPingDateTime).toBeInstanceOf(Date);

    const legacy = await client.send(
      new DescribeInstanceInformationCommand({
        InstanceInformationFilterList: [{ key: 'PingStatus', valueSet: ['ConnectionLost'] }],
      })
    );
    expect(legacy.InstanceInformationList?.map((info) => info.InstanceId)).toEqual([LOST]);

    const page1 = await client.send(new DescribeInstanceInformationCommand({ MaxResults: 5 }));
    expect(page1.InstanceInformationList).toHaveLength(5);
    expect(page1.NextToken).toBeUndefined();
    const hybrid = await client.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance'] }],
      })
    );
    expect(hybrid.InstanceInformationList?.map((info) => info.InstanceId)).toEqual([HYBRID]);
  });

  it('sends a command, lists it and its invocations, and reads each invocation', async () => {
    fleet.setScript((instanceId, parameters) =>
      envelopeRun(parameters, { stdout: ` USERNAME on ${instanceId}`, durationMs: 2 })
    );
    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: [HOST_A, HOST_B],
        Parameters: { Operation: ['ListSessions'] },
        Comment: 'sweep 2026-11-21T20:00Z',
        TimeoutSeconds: 600,
      })
    );
    const command = sent.Command;
    expect(command?.CommandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(command).toMatchObject({
      DocumentName: DOCUMENT_NAME,
      DocumentVersion: '',
      Status: 'Pending',
      StatusDetails: 'Pending',
      InstanceIds: [HOST_A, HOST_B],
      Parameters: { Operation: ['ListSessions'] },
      MaxConcurrency: '50',
      MaxErrors: '0',
      TargetCount: 2,
      CompletedCount: 0,
      TimeoutSeconds: 600,
      Comment: 'sweep 2026-11-21T20:00Z',
    });
    const requested = command?.RequestedDateTime?.getTime() ?? 0;
    // ExpiresAfter = TimeoutSeconds + the document's executionTimeout (120 s).
    expect((command?.ExpiresAfter?.getTime() ?? 0) - requested).toBe(720_000);

    await ssm.idle();
    const commandId = command?.CommandId ?? '';
    const listed = await client.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(listed.Commands?.[0]).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      CompletedCount: 2,
      ErrorCount: 0,
    });

    const invocations = await client.send(
      new ListCommandInvocationsCommand({ CommandId: commandId, Details: true })
    );
    expect(invocations.CommandInvocations?.map((row) => row.InstanceId).sort()).toEqual([
      HOST_A,
      HOST_B,
    ]);
    const plugin = invocations.CommandInvocations?.[0]?.CommandPlugins?.[0];
    expect(plugin).toMatchObject({ Name: 'Operate', Status: 'Success', ResponseCode: 0 });
    expect(plugin?.Output).toContain('USERNAME on');
    const brief = await client.send(new ListCommandInvocationsCommand({ CommandId: commandId }));
    expect(brief.CommandInvocations?.[0]?.CommandPlugins).toEqual([]);

    const reading = await client.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: HOST_A })
    );
    expect(reading).toMatchObject({
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      PluginName: 'Operate',
      DocumentName: DOCUMENT_NAME,
    });
    expect(reading.ExecutionElapsedTime).toMatch(/^PT\d+\.\d{3}S$/);
    expect(reading.ExecutionStartDateTime).toMatch(/Z$/);
    const envelope = hostEnvelopeSchema.parse(JSON.parse(reading.StandardOutputContent ?? ''));
    expect(envelope.stdout).toBe(` USERNAME on ${HOST_A}`);
    expect(fleet.runs.at(-1)?.parameters).toEqual({ Operation: 'ListSessions' });
  });

  it('hands the fleet only the parameters that carry a value', async () => {
    await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: [HOST_A],
        Parameters: {
          Operation: ['LogoffSession'],
          SessionId: ['3'],
          ExpectedUser: ['CONTOSO\\alice'],
          Message: [''],
        },
      })
    );
    await ssm.idle();
    expect(fleet.runs.at(-1)).toEqual({
      instanceId: HOST_A,
      parameters: { Operation: 'LogoffSession', SessionId: '3', ExpectedUser: 'CONTOSO\\alice' },
    });
    expect(ssm.commands().at(-1)?.parameters).toEqual({
      Operation: ['LogoffSession'],
      SessionId: ['3'],
      ExpectedUser: ['CONTOSO\\alice'],
      Message: [''],
    });
  });

  it('targets instances by tag', async () => {
    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        Targets: [{ Key: 'tag:env', Values: ['prod'] }],
        Parameters: { Operation: ['ListOpenFiles'] },
      })
    );
    expect(sent.Command?.InstanceIds).toEqual([HOST_A, FILER]);
    await ssm.idle();
  });

  it('filters commands by status and pages through them', async () => {
    const success = await client.send(
      new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Success' }], MaxResults: 1 })
    );
    expect(success.Commands).toHaveLength(1);
    expect(success.NextToken).toBeDefined();
    const next = await client.send(
      new ListCommandsCommand({
        Filters: [{ key: 'Status', value: 'Success' }],
        MaxResults: 1,
        NextToken: success.NextToken,
      })
    );
    expect(next.Commands?.[0]?.CommandId).not.toBe(success.Commands?.[0]?.CommandId);
    const complete = await client.send(
      new ListCommandsCommand({ Filters: [{ key: 'ExecutionStage', value: 'Complete' }] })
    );
    expect(complete.Commands?.every((command) => command.Status === 'Success')).toBe(true);
    const executing = await client.send(
      new ListCommandsCommand({ Filters: [{ key: 'ExecutionStage', value: 'Executing' }] })
    );
    expect(executing.Commands).toEqual([]);
    const byInstance = await client.send(new ListCommandsCommand({ InstanceId: FILER }));
    expect(byInstance.Commands?.map((command) => command.Parameters?.Operation?.[0])).toEqual([
      'ListOpenFiles',
    ]);
  });

  it('cancels invocations that have not finished', async () => {
    fleet.setScript((_, parameters) => envelopeRun(parameters, { durationMs: 60_000 }));
    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: [HOST_A, HYBRID],
        Parameters: { Operation: ['ListSmbSessions'] },
      })
    );
    const commandId = sent.Command?.CommandId ?? '';
    const result = await client.send(new CancelCommandCommand({ CommandId: commandId }));
    expect(result.$metadata.httpStatusCode).toBe(200);
    await ssm.idle();
    const reading = await client.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: HYBRID })
    );
    expect(reading).toMatchObject({
      Status: 'Cancelled',
      StatusDetails: 'Cancelled',
      ResponseCode: -1,
    });
    expect(reading.StandardOutputContent).toBe('');
    const listed = await client.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(listed.Commands?.[0]?.Status).toBe('Cancelled');
    fleet.setScript((_, parameters) => envelopeRun(parameters));
  });
});
