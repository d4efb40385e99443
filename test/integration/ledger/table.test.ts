import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LEDGER_TABLE } from '../../../lib/contract.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';

const local = () =>
  new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });

describe('createLedgerTable', () => {
  let mocked: ReturnType<typeof mockClient> | undefined;
  afterEach(() => {
    mocked?.restore();
    mocked = undefined;
  });

  it('creates the table as LEDGER_TABLE describes it, and leaves an existing one alone', async () => {
    const client = local();
    const tableName = `ledger-table-${randomUUID().slice(0, 8)}`;

    await createLedgerTable(client, tableName);
    await createLedgerTable(client, tableName);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = (Table?.GlobalSecondaryIndexes ?? [])
      .map((g) => ({
        indexName: g.IndexName,
        partitionKey: g.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName,
        sortKey: g.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName,
        projection: g.Projection?.ProjectionType,
      }))
      .sort((a, b) => (a.indexName ?? '').localeCompare(b.indexName ?? ''));
    expect(indexes).toEqual(
      [...LEDGER_TABLE.globalSecondaryIndexes].sort((a, b) =>
        a.indexName.localeCompare(b.indexName)
      )
    );
  });

  // Counts the calls DynamoDB sees (the local endpoint's own TTL answers: aws-cli.test.ts).
  it('turns TTL on where the endpoint supports it, once', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const ddb = mockClient(client);
    mocked = ddb;
    ddb.on(CreateTableCommand).resolves({});
    ddb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
    ddb
      .on(DescribeTimeToLiveCommand)
      .resolvesOnce({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } })
      .resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED' } });
    ddb.on(UpdateTimeToLiveCommand).resolves({});

    await createLedgerTable(client, 'ledger');
    await createLedgerTable(client, 'ledger');

    const updates = ddb.commandCalls(UpdateTimeToLiveCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('passes on errors other than "table exists"', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const ddb = mockClient(client);
    mocked = ddb;
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ddb.on(CreateTableCommand).rejects(denied);

    await expect(createLedgerTable(client, 'ledger')).rejects.toThrow('not authorized');
  });
});
