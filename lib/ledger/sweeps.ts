import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  ACTION_STATUSES,
  type ActionStatus,
  OPERATIONS,
  type Operation,
} from '../actions/model.js';
import { check, isConditionalCheckFailed, iso, keySchema } from './checks.js';
import { type CursorScope, decodeCursor, encodeCursor, type Key } from './cursor.js';
import { CorruptItemError, LedgerError, SweepNotFoundError } from './errors.js';
import {
  epochSeconds,
  SWEEP_SK,
  SWEEPS_PARTITION,
  sweepActionsPartition,
  sweepPk,
} from './items.js';

export const SWEEP_COUNTERS = ['hostsAsked', 'sessionsSeen', 'actionsPlanned', 'errors'] as const;
export type SweepCounter = (typeof SWEEP_COUNTERS)[number];
export type SweepCounters = Record<SweepCounter, number>;
/** The counters only the sweep item holds, so a condition on it sees their whole value. */
const FLEET_COUNTERS = ['hostsAsked', 'actionsPlanned'] as const;
export type FleetCounter = (typeof FLEET_COUNTERS)[number];

/**
 * What a host's listing within its allowance counts on an action it records: its sessions on the
 * first, one planned send on each (see {@link SweepActions}).
 */
export type SweepCount = Partial<Record<'sessionsSeen' | 'actionsPlanned', number>>;

/**
 * The part of the fleet limit a sweep holds for its host listings up front: each listing may record
 * up to `perListing` sends without a claim (0: every send claims), and `reserved` (`perListing` ×
 * the listings asked for) is taken off the limit that claims share, so the two never add up past
 * the limit. It is granted only where no listing could then be refused (every group's
 * `maxActionsPerHost` fits), which spares a claim on the sweep item per batch of status records.
 */
export interface SweepAllowance {
  perListing: number;
  reserved: number;
}

/** What a listing of the sweep may send: its claims so far and its allowance. */
export interface SweepBudget {
  actionsPlanned: number;
  allowance: SweepAllowance;
}

/** One scheduled sweep of the fleet and what came of it so far. */
export interface Sweep {
  /** Derived by the caller from the scheduled time window, so a retried sweep finds its record. */
  id: string;
  /** ISO 8601 UTC: the schedule's time. */
  scheduledAt: string;
  startedAt: string;
  updatedAt: string;
  counters: SweepCounters;
  /** Hosts asked per policy group; `null` before the sweep has listed its hosts. */
  groups: Record<string, number> | null;
  allowance: SweepAllowance;
}

/** What a host added to a sweep's record: its sessions, or its error. */
export type SweepHostResult = Partial<SweepCounters>;

/** What a sweep's own actions came to, so far. */
export interface SweepActions {
  total: number;
  byStatus: Partial<Record<ActionStatus, number>>;
  byOperation: Partial<Record<Operation, Partial<Record<ActionStatus, number>>>>;
  /** Skipped actions by their `result.errorCode` (`policy:excluded`, `guard:user-mismatch`…). */
  skippedByReason: Record<string, number>;
  /**
   * What listings within their allowance counted on their actions' items instead of the sweep's:
   * add it to the sweep's `sessionsSeen` and `actionsPlanned`.
   */
  counted: Required<SweepCount>;
}

export interface SweepPage {
  items: Sweep[];
  cursor: string | null;
}

/**
 * A sweep is one item (`SWEEP#<id>`/`SWEEP`) holding the fleet-wide counters (`hostsAsked`,
 * `actionsPlanned`, which claims cap), and one item per listing command (`SWEEP#<id>`/
 * `HOSTS#<commandId>`) holding the hosts of that command counted so far (at most 50, as a command
 * names at most 50) with what they added. No item grows with the fleet: a sweep of any size stays
 * far inside DynamoDB's 400 KB per item.
 */
export interface SweepStore {
  /** Creates the sweep record, or returns the existing one with `alreadyExisted`. */
  recordSweep(
    input: { id: string; scheduledAt: Date },
    options?: { at?: Date }
  ): Promise<{ sweep: Sweep; alreadyExisted: boolean }>;
  /** The sweep with its counters totalled over its items (one consistent Query). */
  getSweep(id: string): Promise<Sweep | null>;
  /** Sweeps newest first (by scheduled time), through their `SWEEPS` entries on `byTicket`. */
  listSweeps(page?: { limit?: number; cursor?: string | null }): Promise<SweepPage>;
  /**
   * Records how many hosts of each policy group the sweep asked and its listings' allowance (one
   * UpdateItem a sweep), before it asks them.
   */
  recordSweepGroups(
    id: string,
    groups: Record<string, number>,
    allowance?: SweepAllowance
  ): Promise<void>;
  /**
   * What each host counted through its listing command's item added (its sessions or its
   * error). A host whose listing counted with its actions (their claim, or their own items) is
   * not among them.
   */
  getSweepHosts(id: string): Promise<Map<string, SweepHostResult>>;
  /** The sweep's actions by status, operation and skip reason (its `SWEEP#` partition). */
  summarizeSweepActions(id: string): Promise<SweepActions>;
  /** `actionsPlanned` so far and the listings' allowance (one GetItem); null: no such sweep. */
  getSweepBudget(id: string): Promise<SweepBudget | null>;
  /** Adds to the counters atomically (one UpdateItem `ADD`); concurrent adds never lose counts. */
  addToSweep(id: string, deltas: Partial<SweepCounters>, options?: { at?: Date }): Promise<void>;
  /**
   * Adds to the counters once per `key` (a host) of the listing command `shard`: the key joins
   * that command's set of counted keys in the same conditional UpdateItem, so a redelivered
   * status event adds nothing. `counted` is false when the key was counted before.
   */
  addToSweepOnce(
    id: string,
    once: { shard: string; key: string },
    deltas: Partial<SweepCounters>,
    options?: { at?: Date }
  ): Promise<{ counted: boolean }>;
  /**
   * {@link addToSweepOnce} for several hosts of one listing command in one UpdateItem (a batch of
   * status records holds many hosts of the same command): their deltas added together unless one
   * of them was counted before, in which case each is added on its own. Returns the keys counted.
   */
  addEachToSweepOnce(
    id: string,
    shard: string,
    counts: readonly { key: string; deltas: Partial<SweepCounters> }[],
    options?: { at?: Date }
  ): Promise<{ counted: string[] }>;
  /**
   * Takes up to `wanted` units of `counter` without letting it pass `max`, across concurrent
   * callers (a fleet-wide cap on actions per sweep). `granted` may be less than asked, or 0;
   * `total` is the counter after the claim. `add`: more counters added in the same write, when
   * anything is granted (a host's listing, with the claim for its actions).
   */
  claimSweepQuota(
    id: string,
    claim: {
      counter: FleetCounter;
      wanted: number;
      max: number;
      add?: Partial<SweepCounters>;
    },
    options?: { at?: Date }
  ): Promise<{ granted: number; total: number }>;
}

const count = z.number().int().min(0).max(1_000_000_000);
const deltasSchema = z
  .partialRecord(z.enum(SWEEP_COUNTERS), count)
  .refine((d) => Object.keys(d).length > 0, 'at least one counter');
const countedKeySchema = z.string().min(1).max(128);
const onceSchema = z.object({ shard: countedKeySchema, key: countedKeySchema });
/** A listing command names at most 50 hosts; so does one write of its counted hosts. */
const eachSchema = z.object({
  shard: countedKeySchema,
  counts: z
    .array(z.object({ key: countedKeySchema, deltas: deltasSchema }))
    .min(1)
    .max(50),
});
/** A listing command's item: the string set of its hosts counted so far. */
const COUNTED_KEYS = 'countedKeys';
const HOSTS_SK = 'HOSTS#';
/** On a listing command's item, what each counted key added: `r:<key>`. */
const RESULT_PREFIX = 'r:';
const INDEX_SK = 'INDEX';
const groupsSchema = z.record(z.string().min(1).max(128), count);
const allowanceSchema = z.object({ perListing: count, reserved: count });
const NO_ALLOWANCE: SweepAllowance = { perListing: 0, reserved: 0 };
export const sweepCountSchema = z.partialRecord(z.enum(['sessionsSeen', 'actionsPlanned']), count);
const sweepLimitSchema = z.number().int().min(1).max(100);
const claimSchema = z.object({
  counter: z.enum(FLEET_COUNTERS),
  wanted: count,
  max: count,
  add: z.partialRecord(z.enum(SWEEP_COUNTERS), count).optional(),
});

const storedSweepSchema = z.object({
  id: z.string(),
  scheduledAt: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  askedGroups: groupsSchema.optional(),
  allowance: allowanceSchema.optional(),
  ...Object.fromEntries(SWEEP_COUNTERS.map((c) => [c, count])),
});

function sweepFromItem(item: Record<string, unknown>): Sweep {
  const parsed = storedSweepSchema.safeParse(item);
  if (!parsed.success) throw new CorruptItemError(item.pk, { cause: parsed.error });
  const counters = Object.fromEntries(
    SWEEP_COUNTERS.map((c) => [c, item[c] as number])
  ) as SweepCounters;
  const { id, scheduledAt, startedAt, updatedAt, askedGroups, allowance } = parsed.data;
  return {
    id,
    scheduledAt,
    startedAt,
    updatedAt,
    counters,
    groups: askedGroups ?? null,
    allowance: allowance ?? NO_ALLOWANCE,
  };
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
    check(keySchema, id, 'sweepId');
    let sweep: Sweep | null = null;
    const added: SweepCounters = { hostsAsked: 0, sessionsSeen: 0, actionsPlanned: 0, errors: 0 };
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': sweepPk(id) },
        ConsistentRead: true,
      }
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (item.sk === SWEEP_SK) {
          sweep = sweepFromItem(item);
          continue;
        }
        for (const counter of SWEEP_COUNTERS) {
          const value = item[counter];
          if (value === undefined) continue;
          const parsed = count.safeParse(value);
          if (!parsed.success) throw new CorruptItemError(item.pk, { cause: parsed.error });
          added[counter] += parsed.data;
        }
      }
    }
    if (sweep === null) return null;
    for (const counter of SWEEP_COUNTERS) sweep.counters[counter] += added[counter];
    return sweep;
  }

  /** The sweep item alone: whole fleet-wide counters, the rest only what was added to it. */
  async function getItem(id: string): Promise<Sweep | null> {
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

  /** `cap`: the update applies only while `cap.counter` is at most `cap.atMost` beforehand. */
  async function add(
    id: string,
    deltas: Partial<SweepCounters>,
    at: string,
    cap?: { counter: SweepCounter; atMost: number }
  ): Promise<Sweep> {
    const entries = Object.entries(deltas);
    const out = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(id),
        ConditionExpression: cap
          ? 'attribute_exists(pk) AND #cap <= :atMost'
          : 'attribute_exists(pk)',
        UpdateExpression: `SET updatedAt = :at ADD ${entries.map((_, i) => `#c${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: {
          ...Object.fromEntries(entries.map(([c], i) => [`#c${i}`, c])),
          ...(cap ? { '#cap': cap.counter } : {}),
        },
        ExpressionAttributeValues: {
          ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          ':at': at,
          ...(cap ? { ':atMost': cap.atMost } : {}),
        },
        ReturnValues: 'ALL_NEW',
      })
    );
    return sweepFromItem(out.Attributes ?? {});
  }

  /**
   * Adds the hosts' deltas to the listing command's item unless one of them is in its set
   * already, and keeps what each added (`r:<key>`) in the same write. The item is made by its
   * first host; made for a sweep that does not exist, it is taken back.
   */
  async function addOnce(
    id: string,
    shard: string,
    counts: readonly { key: string; deltas: Partial<SweepCounters> }[],
    at: Date
  ): Promise<boolean> {
    const total: Partial<SweepCounters> = {};
    for (const { deltas } of counts) {
      for (const [c, v] of Object.entries(deltas) as [SweepCounter, number][]) {
        total[c] = (total[c] ?? 0) + v;
      }
    }
    const entries = Object.entries(total);
    const keys = counts.map((c) => c.key);
    const key = { pk: sweepPk(id), sk: `${HOSTS_SK}${shard}` };
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: keys.map((_, i) => `NOT contains(#counted, :key${i})`).join(' AND '),
          UpdateExpression:
            'SET #type = :type, expiresAt = if_not_exists(expiresAt, :expiresAt), ' +
            `${keys.map((_, i) => `#r${i} = :r${i}`).join(', ')} ` +
            `ADD #counted :keySet, ${entries.map((_, i) => `#c${i} :v${i}`).join(', ')}`,
          ExpressionAttributeNames: {
            '#type': 'type',
            '#counted': COUNTED_KEYS,
            ...Object.fromEntries(keys.map((k, i) => [`#r${i}`, `${RESULT_PREFIX}${k}`])),
            ...Object.fromEntries(entries.map(([c], i) => [`#c${i}`, c])),
          },
          ExpressionAttributeValues: {
            ':type': 'sweep-hosts',
            ':expiresAt': epochSeconds(at, retentionDays),
            ...Object.fromEntries(keys.map((k, i) => [`:key${i}`, k])),
            ':keySet': new Set(keys),
            ...Object.fromEntries(counts.map((c, i) => [`:r${i}`, c.deltas])),
            ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          },
          ReturnValues: 'UPDATED_OLD',
        })
      );
      if (out.Attributes?.[COUNTED_KEYS] === undefined && !(await exists(id))) {
        await client.send(new DeleteCommand({ TableName: tableName, Key: key }));
        throw new SweepNotFoundError(id);
      }
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async function exists(id: string): Promise<boolean> {
    return (await getItem(id)) !== null;
  }

  async function summarizeSweepActions(id: string): Promise<SweepActions> {
    check(keySchema, id, 'sweepId');
    const summary: SweepActions = {
      total: 0,
      byStatus: {},
      byOperation: {},
      skippedByReason: {},
      counted: { sessionsSeen: 0, actionsPlanned: 0 },
    };
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        IndexName: 'byTicket',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': sweepActionsPartition(id) },
        ProjectionExpression: '#status, operation, #result.errorCode, sweepCount',
        ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
      }
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const status = item.status as ActionStatus;
        const operation = item.operation as Operation;
        if (!ACTION_STATUSES.includes(status) || !OPERATIONS.includes(operation)) {
          throw new CorruptItemError(sweepActionsPartition(id));
        }
        summary.total++;
        if (item.sweepCount !== undefined) {
          const parsed = sweepCountSchema.safeParse(item.sweepCount);
          if (!parsed.success) throw new CorruptItemError(sweepActionsPartition(id));
          summary.counted.sessionsSeen += parsed.data.sessionsSeen ?? 0;
          summary.counted.actionsPlanned += parsed.data.actionsPlanned ?? 0;
        }
        summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1;
        const byStatus = summary.byOperation[operation] ?? {};
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        summary.byOperation[operation] = byStatus;
        if (status === 'skipped') {
          const reason = String((item.result as { errorCode?: unknown })?.errorCode ?? 'unknown');
          summary.skippedByReason[reason] = (summary.skippedByReason[reason] ?? 0) + 1;
        }
      }
    }
    return summary;
  }

  async function getSweepHosts(id: string): Promise<Map<string, SweepHostResult>> {
    check(keySchema, id, 'sweepId');
    const hosts = new Map<string, SweepHostResult>();
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hosts)',
        ExpressionAttributeValues: { ':pk': sweepPk(id), ':hosts': HOSTS_SK },
      }
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        for (const [name, value] of Object.entries(item)) {
          if (!name.startsWith(RESULT_PREFIX)) continue;
          const parsed = z.partialRecord(z.enum(SWEEP_COUNTERS), count).safeParse(value);
          if (!parsed.success) throw new CorruptItemError(item.pk, { cause: parsed.error });
          hosts.set(name.slice(RESULT_PREFIX.length), parsed.data);
        }
      }
    }
    return hosts;
  }

  async function listSweeps(
    page: { limit?: number; cursor?: string | null } = {}
  ): Promise<SweepPage> {
    const limit = check(sweepLimitSchema, page.limit ?? 10, 'limit');
    const scope: CursorScope = {
      index: 'byTicket',
      partition: SWEEPS_PARTITION,
      descending: true,
      keyNames: ['gsi2pk', 'gsi2sk', 'pk', 'sk'],
    };
    const start: Key | undefined = page.cursor ? decodeCursor(scope, page.cursor) : undefined;
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byTicket',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': SWEEPS_PARTITION },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      })
    );
    const ids = (out.Items ?? []).map((item) => String(item.sweepId));
    // An entry whose sweep item was never written (its first attempt died in between) is left out.
    const sweeps = (await Promise.all(ids.map((id) => getSweep(id)))).filter(
      (sweep): sweep is Sweep => sweep !== null
    );
    const last = out.LastEvaluatedKey as Key | undefined;
    return { items: sweeps, cursor: last ? encodeCursor(scope, last) : null };
  }

  return {
    getSweep,
    listSweeps,
    getSweepHosts,
    summarizeSweepActions,

    async recordSweepGroups(id, groups, allowance = NO_ALLOWANCE) {
      check(keySchema, id, 'sweepId');
      const valid = check(groupsSchema, groups, 'groups');
      const validAllowance = check(allowanceSchema, allowance, 'allowance');
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(id),
            ConditionExpression: 'attribute_exists(pk)',
            UpdateExpression: 'SET askedGroups = :groups, allowance = :allowance',
            ExpressionAttributeValues: { ':groups': valid, ':allowance': validAllowance },
          })
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        throw new SweepNotFoundError(id, { cause: error });
      }
    },

    async getSweepBudget(id) {
      check(keySchema, id, 'sweepId');
      const sweep = await getItem(id);
      return sweep && { actionsPlanned: sweep.counters.actionsPlanned, allowance: sweep.allowance };
    },

    async recordSweep(input, options = {}) {
      const id = check(keySchema, input.id, 'sweepId');
      const at = options.at ?? clock();
      const startedAt = iso(at, 'at');
      const sweep: Sweep = {
        id,
        scheduledAt: iso(input.scheduledAt, 'scheduledAt'),
        startedAt,
        updatedAt: startedAt,
        counters: { hostsAsked: 0, sessionsSeen: 0, actionsPlanned: 0, errors: 0 },
        groups: null,
        allowance: NO_ALLOWANCE,
      };
      const { counters, groups: _groups, allowance: _allowance, ...fields } = sweep;
      // The listing entry first, on an item of its own: the sweep item's counters change with
      // every host, and an index entry of its own would be written again each time. An entry
      // without its sweep (this attempt dies before the next write) is not listed.
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: sweepPk(id),
            sk: INDEX_SK,
            type: 'sweep-index',
            sweepId: id,
            expiresAt: epochSeconds(at, retentionDays),
            gsi2pk: SWEEPS_PARTITION,
            gsi2sk: `${sweep.scheduledAt}#${id}`,
          },
        })
      );
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
      check(keySchema, id, 'sweepId');
      const valid = check(deltasSchema, deltas, 'deltas');
      try {
        await add(id, valid, iso(options.at ?? clock(), 'at'));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        throw new SweepNotFoundError(id, { cause: error });
      }
    },

    async addToSweepOnce(id, once, deltas, options = {}) {
      check(keySchema, id, 'sweepId');
      const valid = check(onceSchema, once, 'once');
      const validDeltas = check(deltasSchema, deltas, 'deltas');
      const counted = await addOnce(
        id,
        valid.shard,
        [{ key: valid.key, deltas: validDeltas }],
        options.at ?? clock()
      );
      return { counted };
    },

    async addEachToSweepOnce(id, shard, counts, options = {}) {
      check(keySchema, id, 'sweepId');
      const valid = check(eachSchema, { shard, counts }, 'counts');
      const at = options.at ?? clock();
      const keys = valid.counts.map((c) => c.key);
      if (new Set(keys).size === keys.length) {
        if (await addOnce(id, valid.shard, valid.counts, at)) return { counted: keys };
      }
      // Some host was counted before (a redelivered record): each counts or not on its own.
      const counted: string[] = [];
      for (const count of valid.counts) {
        if (await addOnce(id, valid.shard, [count], at)) counted.push(count.key);
      }
      return { counted };
    },

    async claimSweepQuota(id, claim, options = {}) {
      check(keySchema, id, 'sweepId');
      const { counter, wanted, max, add: more } = check(claimSchema, claim, 'claim');
      const at = iso(options.at ?? clock(), 'at');
      let asking = wanted;
      for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
        if (asking === 0) {
          const current = await getItem(id);
          if (!current) throw new SweepNotFoundError(id);
          return { granted: 0, total: current.counters[counter] };
        }
        try {
          const deltas = { ...more, [counter]: asking + (more?.[counter] ?? 0) };
          const sweep = await add(id, deltas, at, { counter, atMost: max - asking });
          return { granted: asking, total: sweep.counters[counter] };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
          const current = await getItem(id);
          if (!current) throw new SweepNotFoundError(id, { cause: error });
          asking = Math.max(0, Math.min(asking, max - current.counters[counter]));
        }
      }
      throw new LedgerError(`sweep ${id}: quota claim kept losing races`);
    },
  };
}
