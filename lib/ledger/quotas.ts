import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { check, isConditionalCheckFailed, iso, keySchema } from './checks.js';
import { LedgerError } from './errors.js';

/**
 * Counters of what was spent in a fixed time window (a blast-radius budget: actions sent to one
 * host or to the fleet, host queries an event may cause), one item per counter and window
 * (`QUOTA#<scope>#<window start>`/`QUOTA`), created by the first claim and expiring with the
 * ledger's retention after its window. Claims are single-item conditional writes.
 */
export interface QuotaStore {
  /**
   * Takes up to `wanted` units of the counter `scope` in the window that holds `at`, without
   * letting it pass `max`, across concurrent callers. `granted` may be less than asked, or 0.
   */
  claimQuota(claim: QuotaClaim): Promise<number>;
  /** Gives back units a claim took and did not use (never below zero). */
  releaseQuota(claim: Omit<QuotaClaim, 'max'>): Promise<void>;
}

export interface QuotaClaim {
  /** What is counted, e.g. `idle-act:i-0123…` or `idle-act:fleet`. */
  scope: string;
  wanted: number;
  max: number;
  windowMinutes: number;
  at: Date;
}

export const QUOTA_SK = 'QUOTA';

const count = z.number().int().min(0).max(1_000_000);
const windowSchema = z.number().int().min(1).max(1440);

/** A claim can lose a race only to a claim that made progress; this bounds pathological churn. */
const MAX_CLAIM_ROUNDS = 100;

export function createQuotaStore(deps: {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
}): QuotaStore {
  const { client, tableName, retentionDays } = deps;

  function keyOf(scope: string, windowMinutes: number, at: Date) {
    const size = windowMinutes * 60_000;
    const start = Math.floor(at.getTime() / size) * size;
    const windowStart = iso(new Date(start), 'at');
    const expiresAt = Math.floor((start + size) / 1000) + retentionDays * 86_400;
    return { key: { pk: `QUOTA#${scope}#${windowStart}`, sk: QUOTA_SK }, windowStart, expiresAt };
  }

  /** Adds `delta` while the counter stays within `atMost` beforehand (when given). */
  async function add(
    claim: Omit<QuotaClaim, 'max' | 'wanted'>,
    delta: number,
    atMost: number | null
  ): Promise<void> {
    const { key, windowStart, expiresAt } = keyOf(claim.scope, claim.windowMinutes, claim.at);
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        ...(atMost === null
          ? { ConditionExpression: 'used >= :release' }
          : { ConditionExpression: 'attribute_not_exists(used) OR used <= :atMost' }),
        UpdateExpression:
          'SET #type = :type, #scope = :scope, windowStart = :windowStart, expiresAt = :expiresAt ' +
          'ADD used :delta',
        ExpressionAttributeNames: { '#type': 'type', '#scope': 'scope' },
        ExpressionAttributeValues: {
          ':type': 'quota',
          ':scope': claim.scope,
          ':windowStart': windowStart,
          ':expiresAt': expiresAt,
          ':delta': delta,
          ...(atMost === null ? { ':release': -delta } : { ':atMost': atMost }),
        },
      })
    );
  }

  return {
    async claimQuota(claim) {
      check(keySchema, claim.scope, 'scope');
      check(windowSchema, claim.windowMinutes, 'windowMinutes');
      const max = check(count, claim.max, 'max');
      // Without reading the counter: ask for all there can be room for, then one less per refusal.
      const wanted = check(count, claim.wanted, 'wanted');
      for (let asking = Math.min(wanted, max), round = 0; asking > 0; round++) {
        if (round >= MAX_CLAIM_ROUNDS) {
          throw new LedgerError(`quota ${claim.scope}: claim kept losing races`);
        }
        try {
          await add(claim, asking, max - asking);
          return asking;
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
          asking -= 1;
        }
      }
      return 0;
    },

    async releaseQuota(claim) {
      check(keySchema, claim.scope, 'scope');
      const units = check(count, claim.wanted, 'wanted');
      if (units === 0) return;
      try {
        await add(claim, -units, null);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    },
  };
}
