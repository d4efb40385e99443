import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_TABLE } from '../contract.js';

/**
 * Creates the table (PAY_PER_REQUEST) and waits until it is active; an existing table is left
 * as it is. Turns TTL on where the endpoint supports it.
 */
export async function createLedgerTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string
): Promise<void> {
  const ddb = client as DynamoDBClient;
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: LEDGER_TABLE.billingMode,
        KeySchema: [
          { AttributeName: LEDGER_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: LEDGER_TABLE.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: LEDGER_TABLE.attributeDefinitions.map((a) => ({
          AttributeName: a.name,
          AttributeType: a.type,
        })),
        GlobalSecondaryIndexes: LEDGER_TABLE.globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: g.projection },
        })),
      })
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  // dynalite turns a table ACTIVE a tick after creating it, DynamoDB within seconds: start polling
  // fast and back off, rather than sleep a whole second after the first CREATING.
  await waitUntilTableExists(
    { client: ddb, maxWaitTime: 300, minDelay: 0.05, maxDelay: 5 },
    { TableName: tableName }
  );

  const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  try {
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: LEDGER_TABLE.timeToLiveAttribute, Enabled: true },
      })
    );
  } catch (error) {
    // An emulator without UpdateTimeToLive (raw dynalite): items simply stay.
    if (!(error instanceof Error && error.name === 'UnknownOperationException')) throw error;
  }
}
