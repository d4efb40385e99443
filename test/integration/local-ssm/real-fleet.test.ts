import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { EXIT, type HostOperation, hostEnvelopeSchema } from '../../../lib/ssm/host-contract.js';
import { createFleet, DEFAULT_MANAGED_TAG_KEY } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { localSsmClient } from '../../helpers/ssm-local.js';

let fleet: SimulatedFleet;
let ssm: LocalSsm;
let client: SSMClient;

beforeAll(async () => {
  fleet = createFleet({ seed: 5, durationScale: 0, liveSessions: false });
  ssm = await startLocalSsm({ fleet, timing: { pendingMs: 1, eventDelayMs: 0, msPerSecond: 1 } });
  client = localSsmClient(ssm.endpoint);
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

async function run(instanceId: string, parameters: Record<string, string>) {
  const sent = await client.send(
    new SendCommandCommand({
      DocumentName: DOCUMENT_NAME,
      InstanceIds: [instanceId],
      Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])),
    })
  );
  await ssm.idle();
  const reading = await client.send(
    new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: instanceId })
  );
  return {
    reading,
    envelope: hostEnvelopeSchema.parse(JSON.parse(reading.StandardOutputContent ?? '')),
  };
}

function hostOf(role: 'session-host' | 'file-server'): string {
  const instance = fleet
    .instances()
    .find((i) => i.role === role && i.pingStatus === 'Online' && i.tags[DEFAULT_MANAGED_TAG_KEY]);
  if (instance === undefined) throw new Error(`the default fleet has no online ${role}`);
  return instance.instanceId;
}

describe('local SSM with the simulated fleet', () => {
  it('lists every managed online host and collects ListSessions envelopes from all of them', async () => {
    const listed = await client.send(
      new DescribeInstanceInformationCommand({
        Filters: [
          { Key: `tag:${DEFAULT_MANAGED_TAG_KEY}`, Values: ['true'] },
          { Key: 'PingStatus', Values: ['Online'] },
        ],
        MaxResults: 50,
      })
    );
    const ids = listed.InstanceInformationList?.map((info) => info.InstanceId ?? '') ?? [];
    const expected = fleet
      .instances()
      .filter((i) => i.pingStatus === 'Online' && i.tags[DEFAULT_MANAGED_TAG_KEY] === 'true')
      .map((i) => i.instanceId);
    expect(ids.sort()).toEqual(expected.sort());
    expect(ids.length).toBeGreaterThan(1);

    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: ids,
        Parameters: { Operation: ['ListSessions'] },
      })
    );
    await ssm.idle();
    for (const instanceId of ids) {
      const reading = await client.send(
        new GetCommandInvocationCommand({
          CommandId: sent.Command?.CommandId,
          InstanceId: instanceId,
        })
      );
      expect(reading.Status).toBe('Success');
      const envelope = hostEnvelopeSchema.parse(JSON.parse(reading.StandardOutputContent ?? ''));
      expect(envelope.operation satisfies HostOperation).toBe('ListSessions');
      expect(envelope.culture).toBe(fleet.instance(instanceId)?.locale);
    }
  });

  it('logs off a session only for the user it still belongs to', async () => {
    const host = hostOf('session-host');
    const sessionId = fleet.addSession(host, {
      user: 'CORP\\alice',
      state: 'disconnected',
      idleMinutes: 90,
    });
    const refused = await run(host, {
      Operation: 'LogoffSession',
      SessionId: String(sessionId),
      ExpectedUser: 'CORP\\mallory',
    });
    expect(refused.reading).toMatchObject({
      Status: 'Failed',
      ResponseCode: EXIT.guardUserMismatch,
    });
    expect(refused.envelope.guard?.code).toBe('user-mismatch');
    expect(fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(true);

    const done = await run(host, {
      Operation: 'LogoffSession',
      SessionId: String(sessionId),
      ExpectedUser: 'alice',
    });
    expect(done.reading).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    expect(fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
  });

  it('closes an open file only while it still has the expected path', async () => {
    const server = hostOf('file-server');
    const fileId = fleet.addOpenFile(server, {
      clientComputerName: '10.0.8.15',
      user: 'CORP\\bob',
      path: 'D:\\Shares\\Finance\\Q3 Report (final).xlsx',
    });
    const refused = await run(server, {
      Operation: 'CloseOpenFile',
      FileId: fileId,
      ExpectedPath: 'D:\\Shares\\Finance\\Q4 Report.xlsx',
    });
    expect(refused.reading.ResponseCode).toBe(EXIT.guardPathMismatch);
    const done = await run(server, {
      Operation: 'CloseOpenFile',
      FileId: fileId,
      ExpectedPath: 'd:\\shares\\finance\\q3 report (final).xlsx',
    });
    expect(done.reading.Status).toBe('Success');
    expect(fleet.host(server).openFiles.some((f) => f.fileId === fileId)).toBe(false);
  });
});
