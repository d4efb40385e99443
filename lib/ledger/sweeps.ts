import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { check, isConditionalCheckFailed, iso } from './checks.js';
import { CorruptItemError, LedgerError, SweepNotFoundError } from './errors.js';
import { epochSeconds, SWEEP_SK, sweepPk } from './items.js';

export const SWEEP_COUNTERS = ['hostsAsked', 'sessionsSeen', 'actionsPlanned', 'errors'] as const;
export type SweepCounter = (typeof SWEEP_COUNTERS)[number];
export type SweepCounters = Record<SweepCounter, number>;

/** One scheduled sweep of the fleet and what came of it so far. */
export interface Sweep {
  /** Derived by the caller from the scheduled time window, so a retried sweep finds its record. */
  id: string;
  /** ISO 8601 UTC: the schedule's time. */
  scheduledAt: string;
  startedAt: string;
  updatedAt: string;
  counters: SweepCounters;
}

export interface SweepStore {
  /** Creates the sweep record, or returns the existing one with `alreadyExisted`. */
  recordSweep(
    input: { id: string; scheduledAt: Date },
    options?: { at?: Date }
  ): Promise<{ sweep: Sweep; alreadyExisted: boolean }>;
  getSweep(id: string): Promise<Sweep | null>;
  /** Adds to the counters atomically (one UpdateItem `ADD`); concurrent adds never lose counts. */
  addToSweep(id: string, deltas: Partial<SweepCounters>, options?: { at?: Date }): Promise<Sweep>;
  /**
   * Adds to the counters once per `key` (a host): the key joins the sweep's set of counted keys
   * in the same conditional UpdateItem, so a redelivered status event adds nothing. `counted` is
   * false when the key was counted before.
   */
  addToSweepOnce(
    id: string,
    key: string,
    deltas: Partial<SweepCounters>,
    options?: { at?: Date }
  ): Promise<{ counted: boolean; sweep: Sweep }>;
  /**
   * Takes up to `wanted` units of `counter` without letting it pass `max`, across concurrent
   * callers (a fleet-wide cap on actions per sweep). `granted` may be less than asked, or 0.
   */
  claimSweepQuota(
    id: string,
    claim: { counter: SweepCounter; wanted: number; max: number },
    options?: { at?: Date }
  ): Promise<{ granted: number; sweep: Sweep }>;
}

const sweepIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:@+=-]+$/, 'letters, digits and . : @ + = _ - only');
const count = z.number().int().min(0).max(1_000_000_000);
const deltasSchema = z
  .partialRecord(z.enum(SWEEP_COUNTERS), count)
  .refine((d) => Object.keys(d).length > 0, 'at least one counter');
const countedKeySchema = z.string().min(1).max(128);
/** The sweep item's string set of keys (hosts) counted once. */
const COUNTED_KEYS = 'countedKeys';
const claimSchema = z.object({ counter: z.enum(SWEEP_COUNTERS), wanted: count, max: count });

const storedSweepSchema = z.object({
  id: z.string(),
  scheduledAt: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  ...Object.fromEntries(SWEEP_COUNTERS.map((c) => [c, count])),
});

function sweepFromItem(item: Record<string, unknown>): Sweep {
  const parsed = storedSweepSchema.safeParse(item);
  if (!parsed.success) throw new CorruptItemError(item.pk, { cause: parsed.error });
  const counters = Object.fromEntries(
    SWEEP_COUNTERS.map((c) => [c, item[c] as number])
  ) as SweepCounters;
  const { id, scheduledAt, startedAt, updatedAt } = parsed.data;
  return { id, scheduledAt, startedAt, updatedAt, counters };
}

/** A claim can lose a race only to a claim that made progress; this bounds pathological churn. */
const MAX_CLAIM_ROUNDS = 100;

export function createSweepStore(deps: {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
  clock: () => Date;
}): SweepStore {
  const { client, tableName, retentionDays, clock } = deps;
  const keyOf = (id: string) => ({ pk: sweepPk(id), sk: SWEEP_SK });

  async function getSweep(id: string): Promise<Sweep | null> {
    check(sweepIdSchema, id, 'sweepId');
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: keyOf(id), ConsistentRead: true })
    );
    return out.Item ? sweepFromItem(out.Item) : null;
  }

  async function requireSweep(id: string, cause: unknown): Promise<Sweep> {
    const sweep = await getSweep(id);
    if (!sweep) throw new SweepNotFoundError(id, { cause });
    return sweep;
  }

  /**
   * `cap`: the update applies only while `cap.counter` is at most `cap.atMost` beforehand;
   * `once`: only while `once` is not yet in the sweep's counted keys, which it then joins.
   */
  async function add(
    id: string,
    deltas: Partial<SweepCounters>,
    at: string,
    { cap, once }: { cap?: { counter: SweepCounter; atMost: number }; once?: string } = {}
  ): Promise<Sweep> {
    const entries = Object.entries(deltas);
    const adds = entries.map((_, i) => `#c${i} :v${i}`);
    if (once !== undefined) adds.push('#counted :onceSet');
    const out = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(id),
        ConditionExpression: [
          'attribute_exists(pk)',
          ...(cap ? ['#cap <= :atMost'] : []),
          ...(once !== undefined ? ['NOT contains(#counted, :once)'] : []),
        ].join(' AND '),
        UpdateExpression: `SET updatedAt = :at ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: {
          ...Object.fromEntries(entries.map(([c], i) => [`#c${i}`, c])),
          ...(cap ? { '#cap': cap.counter } : {}),
          ...(once !== undefined ? { '#counted': COUNTED_KEYS } : {}),
        },
        ExpressionAttributeValues: {
          ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          ':at': at,
          ...(cap ? { ':atMost': cap.atMost } : {}),
          ...(once !== undefined ? { ':once': once, ':onceSet': new Set([once]) } : {}),
        },
        ReturnValues: 'ALL_NEW',
      })
    );
    return sweepFromItem(out.Attributes ?? {});
  }

  return {
    getSweep,

    async recordSweep(input, options = {}) {
      const id = check(sweepIdSchema, input.id, 'sweepId');
      const at = options.at ?? clock();
      const startedAt = iso(at, 'at');
      const sweep: Sweep = {
        id,
        scheduledAt: iso(input.scheduledAt, 'scheduledAt'),
        startedAt,
        updatedAt: startedAt,
        counters: { hostsAsked: 0, sessionsSeen: 0, actionsPlanned: 0, errors: 0 },
      };
      const { counters, ...fields } = sweep;
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keyOf(id),
              type: 'sweep',
              ...fields,
              ...counters,
              expiresAt: epochSeconds(at, retentionDays),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          })
        );
        return { sweep, alreadyExisted: false };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        return { sweep: await requireSweep(id, error), alreadyExisted: true };
      }
    },

    async addToSweep(id, deltas, options = {}) {
      check(sweepIdSchema, id, 'sweepId');
      const valid = check(deltasSchema, deltas, 'deltas');
      try {
        return await add(id, valid, iso(options.at ?? clock(), 'at'));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        throw new SweepNotFoundError(id, { cause: error });
      }
    },

    async addToSweepOnce(id, key, deltas, options = {}) {
      check(sweepIdSchema, id, 'sweepId');
      const once = check(countedKeySchema, key, 'key');
      const valid = check(deltasSchema, deltas, 'deltas');
      try {
        return {
          counted: true,
          sweep: await add(id, valid, iso(options.at ?? clock(), 'at'), { once }),
        };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        return { counted: false, sweep: await requireSweep(id, error) };
      }
    },

    async claimSweepQuota(id, claim, options = {}) {
      check(sweepIdSchema, id, 'sweepId');
      const { counter, wanted, max } = check(claimSchema, claim, 'claim');
      const at = iso(options.at ?? clock(), 'at');
      let asking = wanted;
      for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
        if (asking === 0) return { granted: 0, sweep: await requireSweep(id, undefined) };
        try {
          return {
            granted: asking,
            sweep: await add(id, { [counter]: asking }, at, {
              cap: { counter, atMost: max - asking },
            }),
          };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
          const current = await requireSweep(id, error);
          asking = Math.max(0, Math.min(asking, max - current.counters[counter]));
        }
      }
      throw new LedgerError(`sweep ${id}: quota claim kept losing races`);
    },
  };
}
