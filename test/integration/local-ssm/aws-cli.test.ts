import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCUMENT_NAME, READ_DOCUMENT_NAME } from '../../../lib/contract.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';
import { type LocalDynamo, startDynalite } from '../../../local/dynamodb/server.js';
import { OPERATE_DOCUMENT_URL } from '../../../local/ssm/document.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { type AwsCli, type AwsCliResult, startAwsCli } from '../../helpers/aws-cli.js';
import { createScriptedFleet, envelopeRun, windowsInstance } from '../../helpers/ssm-fleet.js';

/**
 * What operators ask the local endpoints with the AWS CLI (`aws`, v1 or v2: `pip install awscli`
 * or `apt-get install -y awscli`), through the CLI itself: its argument parsing, its botocore
 * model and its error handling, not only the JS SDK's.
 */

// The first command starts Python and imports the CLI (~1 s, more on a busy machine).
vi.setConfig({ testTimeout: 90_000 });

const ACCOUNT = '123456789012';
const HOST = 'i-0a0000000000000a1';
const OTHER = 'i-0b0000000000000b2';
const HYBRID = 'mi-0e0000000000000e5';

let ssm: LocalSsm;
let dynamo: LocalDynamo;
let cli: AwsCli;

beforeAll(async () => {
  cli = startAwsCli();
  const fleet = createScriptedFleet([
    windowsInstance(HOST, { tags: { 'session-janitor:managed': 'true', Name: 'RDSH-01' } }),
    windowsInstance(OTHER, { pingStatus: 'ConnectionLost' }),
    windowsInstance(HYBRID, {
      tags: { 'session-janitor:managed': 'true', 'session-janitor:policy-group': 'strict' },
    }),
  ]);
  fleet.setScript((_, parameters) => envelopeRun(parameters));
  ssm = await startLocalSsm({
    fleet,
    accountId: ACCOUNT,
    timing: { pendingMs: 1, eventDelayMs: 0, msPerSecond: 1 },
  });
  dynamo = await startDynalite();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  await createLedgerTable(client, 'ledger');
  client.destroy();
});

afterAll(async () => {
  cli?.stop();
  await ssm?.close();
  await dynamo?.close();
});

function aws(service: 'ssm' | 'dynamodb', ...args: string[]): Promise<AwsCliResult> {
  return cli.run(service, args, service === 'ssm' ? ssm.endpoint : dynamo.endpoint);
}

const arn = (name: string, account = ACCOUNT) =>
  `arn:aws:ssm:us-east-1:${account}:document/${name}`;

describe('the AWS CLI against the local SSM', () => {
  it('get-document prints the script an operator runs, by name and by ARN', async () => {
    const [byName, byArn, missing, foreign] = await Promise.all([
      aws('ssm', 'get-document', '--name', DOCUMENT_NAME),
      aws('ssm', 'get-document', '--name', arn(READ_DOCUMENT_NAME)),
      aws('ssm', 'get-document', '--name', 'NoSuchDocument'),
      aws('ssm', 'get-document', '--name', arn(DOCUMENT_NAME, '210987654321')),
    ]);
    expect(byName.json).toMatchObject({
      Name: DOCUMENT_NAME,
      DocumentVersion: '1',
      Status: 'Active',
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    });
    expect(byName.json.Content).toBe(readFileSync(OPERATE_DOCUMENT_URL, 'utf8'));
    expect(byArn.json.Name).toBe(READ_DOCUMENT_NAME);
    const read = JSON.parse(String(byArn.json.Content));
    expect(read.parameters.Operation.allowedValues).toEqual([
      'ListSessions',
      'ListSmbSessions',
      'ListOpenFiles',
      'ListShells',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('(InvalidDocument)');
    expect(foreign.stderr).toContain('(InvalidDocument)');
  });

  it('describe-document and send-command take a document ARN', async () => {
    const described = await aws('ssm', 'describe-document', '--name', arn(DOCUMENT_NAME));
    expect((described.json.Document as { Name: string }).Name).toBe(DOCUMENT_NAME);
    const sent = await aws(
      'ssm',
      'send-command',
      '--document-name',
      arn(READ_DOCUMENT_NAME),
      '--instance-ids',
      HOST,
      '--parameters',
      'Operation=ListSessions'
    );
    expect(sent.code).toBe(0);
    const command = sent.json.Command as { CommandId: string };
    await ssm.idle();
    const invocation = await aws(
      'ssm',
      'get-command-invocation',
      '--command-id',
      command.CommandId,
      '--instance-id',
      HOST
    );
    expect(invocation.json.Status).toBe('Success');
  });

  it('list-documents lists both documents, filtered by owner, name, type and keyword', async () => {
    const names = (result: AwsCliResult) =>
      (result.json.DocumentIdentifiers as { Name: string }[]).map((d) => d.Name).sort();
    const [all, self, amazon, prefix, legacy, badKey] = await Promise.all([
      aws('ssm', 'list-documents'),
      aws('ssm', 'list-documents', '--filters', 'Key=Owner,Values=Self'),
      aws('ssm', 'list-documents', '--filters', 'Key=Owner,Values=Amazon'),
      aws('ssm', 'list-documents', '--filters', 'Key=Name,Values=SessionJanitor-R'),
      aws('ssm', 'list-documents', '--document-filter-list', 'key=DocumentType,value=Command'),
      aws('ssm', 'list-documents', '--filters', 'Key=Colour,Values=blue'),
    ]);
    expect(names(all)).toEqual([DOCUMENT_NAME, READ_DOCUMENT_NAME]);
    expect((all.json.DocumentIdentifiers as Record<string, unknown>[])[0]).toMatchObject({
      Owner: ACCOUNT,
      PlatformTypes: ['Windows'],
      DocumentType: 'Command',
      SchemaVersion: '2.2',
      DocumentFormat: 'JSON',
    });
    expect(names(self)).toEqual([DOCUMENT_NAME, READ_DOCUMENT_NAME]);
    expect(names(amazon)).toEqual([]);
    expect(names(prefix)).toEqual([READ_DOCUMENT_NAME]);
    expect(names(legacy)).toEqual([DOCUMENT_NAME, READ_DOCUMENT_NAME]);
    expect(badKey.stderr).toContain('(InvalidFilterKey)');
  });

  it("list-tags-for-resource shows an on-premises node's policy group, and refuses what SSM does not tag", async () => {
    const [hybrid, ec2, document, unknownType] = await Promise.all([
      aws(
        'ssm',
        'list-tags-for-resource',
        '--resource-type',
        'ManagedInstance',
        '--resource-id',
        HYBRID
      ),
      // SSM tags on-premises nodes only; an EC2 instance's tags are EC2's (describe-tags).
      aws(
        'ssm',
        'list-tags-for-resource',
        '--resource-type',
        'ManagedInstance',
        '--resource-id',
        HOST
      ),
      aws(
        'ssm',
        'list-tags-for-resource',
        '--resource-type',
        'Document',
        '--resource-id',
        DOCUMENT_NAME
      ),
      aws('ssm', 'list-tags-for-resource', '--resource-type', 'Instance', '--resource-id', HOST),
    ]);
    expect(hybrid.json.TagList).toEqual([
      { Key: 'session-janitor:managed', Value: 'true' },
      { Key: 'session-janitor:policy-group', Value: 'strict' },
    ]);
    expect(ec2.stderr).toContain('(InvalidResourceId)');
    expect(document.json.TagList).toEqual([]);
    expect(unknownType.stderr).toContain('(ValidationException)');
  });

  it('describe-instance-properties lists nodes, filtered with operators', async () => {
    const ids = (result: AwsCliResult) =>
      (result.json.InstanceProperties as { InstanceId: string }[]).map((p) => p.InstanceId);
    const [all, online, notHybrid, tagged, badPing, both] = await Promise.all([
      aws('ssm', 'describe-instance-properties'),
      aws(
        'ssm',
        'describe-instance-properties',
        '--filters-with-operator',
        'Key=PingStatus,Values=Online,Operator=Equal'
      ),
      aws(
        'ssm',
        'describe-instance-properties',
        '--filters-with-operator',
        'Key=ResourceType,Values=ManagedInstance,Operator=NotEqual'
      ),
      aws(
        'ssm',
        'describe-instance-properties',
        '--filters-with-operator',
        'Key=tag:Name,Values=RDSH,Operator=BeginWith'
      ),
      aws(
        'ssm',
        'describe-instance-properties',
        '--instance-property-filter-list',
        'key=PingStatus,valueSet=Asleep'
      ),
      aws(
        'ssm',
        'describe-instance-properties',
        '--instance-property-filter-list',
        'key=PingStatus,valueSet=Online',
        '--filters-with-operator',
        'Key=PingStatus,Values=Online'
      ),
    ]);
    expect(ids(all)).toEqual([HOST, OTHER, HYBRID]);
    expect((all.json.InstanceProperties as Record<string, unknown>[])[0]).toMatchObject({
      Name: 'RDSH-01',
      InstanceId: HOST,
      PingStatus: 'Online',
      PlatformType: 'Windows',
      ResourceType: 'EC2Instance',
      ComputerName: 'HOST-00A1',
    });
    expect(ids(online)).toEqual([HOST, HYBRID]);
    expect(ids(notHybrid)).toEqual([HOST, OTHER]);
    expect(ids(tagged)).toEqual([HOST]);
    expect(badPing.stderr).toContain('(InvalidInstancePropertyFilterValue)');
    expect(both.stderr).toContain('(InvalidInstancePropertyFilterValue)');
  });

  it('filters by AssociationStatus (no node has an association here) and refuses other values', async () => {
    const [success, legacy, bogus] = await Promise.all([
      aws(
        'ssm',
        'describe-instance-information',
        '--filters',
        'Key=AssociationStatus,Values=Success'
      ),
      aws(
        'ssm',
        'describe-instance-information',
        '--instance-information-filter-list',
        'key=AssociationStatus,valueSet=Failed'
      ),
      aws('ssm', 'describe-instance-information', '--filters', 'Key=AssociationStatus,Values=Done'),
    ]);
    expect(success.json.InstanceInformationList).toEqual([]);
    expect(legacy.json.InstanceInformationList).toEqual([]);
    expect(bogus.stderr).toContain('(InvalidInstanceInformationFilterValue)');
  });

  it('refuses --targets Key=InstanceIds,Values=* rather than sending to no node', async () => {
    const before = ssm.commands().length;
    const result = await aws(
      'ssm',
      'send-command',
      '--document-name',
      READ_DOCUMENT_NAME,
      '--targets',
      'Key=InstanceIds,Values=*',
      '--parameters',
      'Operation=ListSessions'
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('(InvalidInstanceId)');
    expect(ssm.commands()).toHaveLength(before);
  });
});

describe('the AWS CLI against the local DynamoDB', () => {
  it('reports the TTL the ledger table is created with, and refuses to enable it twice', async () => {
    const described = await aws('dynamodb', 'describe-time-to-live', '--table-name', 'ledger');
    expect(described.json).toEqual({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
    });
    const again = await aws(
      'dynamodb',
      'update-time-to-live',
      '--table-name',
      'ledger',
      '--time-to-live-specification',
      'Enabled=true,AttributeName=expiresAt'
    );
    expect(again.stderr).toContain('TimeToLive is already enabled');
    const missing = await aws('dynamodb', 'describe-time-to-live', '--table-name', 'no-such-table');
    expect(missing.stderr).toContain('(ResourceNotFoundException)');
  });
});
