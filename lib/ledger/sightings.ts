import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { check, iso } from './checks.js';
import { LedgerError } from './errors.js';

/**
 * When a disconnected session was first seen disconnected, for hosts that cannot say when it was
 * disconnected: one item per disconnect (`SEEN#<hash>`/`SEEN`), written by the first listing that
 * shows it and read back by every later one in the same write.
 */
export interface SightingStore {
  /**
   * The first time `sighting` was recorded: `at` if this call is the first. One UpdateItem that
   * sets the time only if it is not there yet (`if_not_exists`) and returns the stored one, so
   * concurrent listings agree on the earliest writer's time without a read or a retry.
   */
  firstSeenDisconnected(sighting: DisconnectSighting, at: Date): Promise<Date>;
}

/** One disconnect of one logon session, as a listing shows it. */
export interface DisconnectSighting {
  instanceId: string;
  sessionId: number;
  /** Bare user name as listed. */
  userName: string;
  logonTime: string | null;
  /**
   * The session's last input (listing time − idle), to the quarter hour: a disconnected session
   * takes no input, so it is the same at every listing of one disconnect and moves on when the
   * user came back, worked and left again (a new disconnect, whose clock starts again).
   */
  idleSince: Date;
}

export const SIGHTING_SK = 'SEEN';
const QUARTER_HOUR_MS = 15 * 60_000;

const sightingSchema = z.object({
  instanceId: z.string().min(1).max(64),
  sessionId: z.number().int().min(0).max(65_536),
  userName: z.string().min(1).max(256),
  logonTime: z.string().max(64).nullable(),
  idleSince: z.date(),
});

export function createSightingStore(deps: {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
}): SightingStore {
  const { client, tableName, retentionDays } = deps;
  return {
    async firstSeenDisconnected(sighting, at) {
      const s = check(sightingSchema, sighting, 'sighting');
      const seenAt = iso(at, 'at');
      const bucket = Math.floor(s.idleSince.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
      const identity = [s.instanceId, s.sessionId, s.userName.toLowerCase(), s.logonTime, bucket];
      const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `SEEN#${hash.slice(0, 32)}`, sk: SIGHTING_SK },
          UpdateExpression:
            'SET #type = :type, instanceId = :instanceId, sessionId = :sessionId, ' +
            'firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :expiresAt',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'sighting',
            ':instanceId': s.instanceId,
            ':sessionId': s.sessionId,
            ':at': seenAt,
            ':expiresAt': Math.floor(at.getTime() / 1000) + retentionDays * 86_400,
          },
          ReturnValues: 'ALL_NEW',
        })
      );
      const first = out.Attributes?.firstSeenAt;
      if (typeof first !== 'string' || Number.isNaN(Date.parse(first))) {
        throw new LedgerError(`sighting of session ${s.sessionId} came back without its time`);
      }
      return new Date(first);
    },
  };
}
