import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The ledger table, independent of its name: the CDK stack mirrors it (a test compares them) and
 * `createLedgerTable` builds it on dynalite or DynamoDB.
 *
 * - `byHost`: a host's history in time order (`HOST#<instanceId>`, `<createdAt>#<actionId>`).
 * - `byTicket`: API actions of a ticket (`TICKET#<ticketId>`, `<createdAt>#<actionId>`).
 * - `byCommand`: the action behind a status event (`CMD#<commandId>#<instanceId>`,
 *   `<dispatchedAt>#<actionId>`).
 * - `byDeadline`: sparse, only open actions carry its keys (`OPEN`, `<deadline>#<actionId>`): the
 *   planned deadline from creation, the dispatch deadline from dispatch; completion removes them,
 *   so reconcile reads exactly the open actions, oldest deadline first, without a Scan. One
 *   partition: it takes three writes per action (in the same requests as the item), far below
 *   a partition's limit.
 */
export const LEDGER_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  attributeDefinitions: [
    { name: 'pk', type: 'S' },
    { name: 'sk', type: 'S' },
    { name: 'gsi1pk', type: 'S' },
    { name: 'gsi1sk', type: 'S' },
    { name: 'gsi2pk', type: 'S' },
    { name: 'gsi2sk', type: 'S' },
    { name: 'gsi3pk', type: 'S' },
    { name: 'gsi3sk', type: 'S' },
    { name: 'gsi4pk', type: 'S' },
    { name: 'gsi4sk', type: 'S' },
  ],
  globalSecondaryIndexes: [
    { indexName: 'byHost', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    { indexName: 'byTicket', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
    { indexName: 'byCommand', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'ALL' },
    { indexName: 'byDeadline', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'ALL' },
  ],
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
} as const;

export type LedgerIndexName = (typeof LEDGER_TABLE.globalSecondaryIndexes)[number]['indexName'];

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
