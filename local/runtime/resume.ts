import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { localDocumentClient } from '../dynamodb/client.js';

/**
 * The latest instant a ledger holds (any step of any action, any sweep), or `null` for an empty
 * one. A restarted runtime starts its simulated clock after it: a clock that went back would sort
 * new actions before old ones, hide open actions from reconcile until it caught up with their
 * deadlines, and derive sweep ids the first run already used. A Scan is fine here: the local
 * ledger is small and this runs once at start-up.
 */
export async function latestRecordedTime(
  endpoint: string,
  tableName: string
): Promise<Date | null> {
  const client = localDocumentClient(endpoint);
  try {
    return await scanLatest(client, tableName);
  } catch (error) {
    // A first start: no ledger yet.
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
    throw error;
  } finally {
    client.destroy();
  }
}

async function scanLatest(client: DynamoDBDocumentClient, tableName: string): Promise<Date | null> {
  let latest = Number.NEGATIVE_INFINITY;
  const consider = (value: unknown) => {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(ms) && ms > latest) latest = ms;
  };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: 'createdAt, #ts, scheduledAt, startedAt, updatedAt',
        ExpressionAttributeNames: { '#ts': 'timestamps' },
        ExclusiveStartKey: start,
      })
    );
    for (const item of page.Items ?? []) {
      consider(item.createdAt);
      consider(item.scheduledAt);
      consider(item.startedAt);
      consider(item.updatedAt);
      const steps = item.timestamps;
      if (typeof steps === 'object' && steps !== null) Object.values(steps).forEach(consider);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return Number.isFinite(latest) ? new Date(latest) : null;
}

/**
 * Where a runtime's clock starts: at the real time, unless the ledger already holds a later one;
 * then on the first whole minute after it (the fleet's clock counts whole minutes).
 */
export function resumedStart(now: Date, latest: Date | null): Date {
  if (latest === null) return now;
  const after = (Math.floor(latest.getTime() / 60_000) + 1) * 60_000;
  return new Date(Math.max(now.getTime(), after));
}
