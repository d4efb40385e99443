/**
 * The action ledger: one DynamoDB table, single-item conditional writes only (no transactions),
 * so the same code runs on DynamoDB and on dynalite.
 *
 * Items: an action is `ACTION#<id>`/`ACTION` with the Action's fields plus `fingerprint`,
 * `expiresAt` and its index keys (see `table.ts`); a sweep is `SWEEP#<id>`/`SWEEP`, with one
 * `SWEEP#<id>`/`HOSTS#<command id>` per listing command for the hosts counted once (`sweeps.ts`); a
 * blast-radius counter of a time window is `QUOTA#<scope>#<window start>`/`QUOTA`; the first sighting
 * of a disconnect whose time the host cannot give is `SEEN#<hash>`/`SEEN` (see `sightings.ts`);
 * each user a close operation cut off is `ACTION#<id>`/`AFFECTED#<user>` (on `byUser` under
 * `USER#<bare user>` when the action's own target is someone else).
 * Writes per action: create = one PutItem, dispatch = one UpdateItem, completion = one
 * UpdateItem. Reads happen only when a write is refused, to say why. A sender holds a short resume
 * lease from the creation (in the same PutItem); resuming an action whose sender died takes one
 * more UpdateItem (the lease), so that of concurrent callers exactly one sends.
 *
 * No action stays open unseen: from its creation until its completion an action is on the
 * `byDeadline` index, first with its planned deadline (created + a grace: if it is still
 * `planned` then, its sender died), then with its dispatch deadline. Reconcile reads both. An
 * action reconcile completes stays there until its outcome is published (one more UpdateItem).
 *
 * Conflict rule: the id says *which* action (see `deriveActionId`), the fingerprint says what was
 * asked. For API triggers, the same id with another fingerprint (another reason, message, caller,
 * dry-run flag or spelling of the target) is an {@link ActionConflictError}: the help desk asked
 * for two different things on one ticket. Schedule and idle-event triggers are replays of an
 * observation already decided, so the first record wins and the duplicate gets `alreadyExisted`.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { actionFingerprint, deriveActionId } from '../actions/ids.js';
import type {
  Action,
  ActionResult,
  ActionStatus,
  AffectedEntry,
  NewAction,
} from '../actions/model.js';
import {
  actionIdSchema,
  actionResultSchema,
  affectedEntrySchema,
  commandIdSchema,
  EXCERPT_LIMIT,
  instanceIdSchema,
  newActionSchema,
  ticketIdSchema,
} from '../actions/schema.js';
import { sourcesOf, TERMINAL_STATUSES, type TerminalStatus } from '../actions/transitions.js';
import { LEDGER_TABLE, type LedgerIndexName } from '../contract.js';
import { check, isConditionalCheckFailed, iso } from './checks.js';
import { type CursorScope, decodeCursor, encodeCursor, type Key } from './cursor.js';
import {
  ActionConflictError,
  ActionNotFoundError,
  InvalidLedgerInputError,
  LedgerError,
  StaleTransitionError,
} from './errors.js';
import {
  ACTION_SK,
  actionFromItem,
  actionPk,
  affectedSk,
  bareUser,
  commandPartition,
  epochSeconds,
  hostPartition,
  OPEN_PARTITION,
  sweepActionsPartition,
  ticketPartition,
  userPartition,
} from './items.js';
import { createQuotaStore, type QuotaStore } from './quotas.js';
import { createSightingStore, type SightingStore } from './sightings.js';
import { createSweepStore, type SweepCount, type SweepStore, sweepCountSchema } from './sweeps.js';

export interface LedgerOptions {
  /**
   * Created once per process and injected: the endpoint decides DynamoDB or dynalite. With
   * `removeUndefinedValues` (as `createClients` makes it): items leave absent values undefined.
   */
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items expire (DynamoDB TTL) this many days after their last change. Default 400. */
  retentionDays?: number;
  /**
   * How long after its creation a `planned` action counts as overdue, when `createAction` is not
   * told: past it, its sender is taken to have died before sending (or before recording the
   * send), and reconcile finds out which. Default 780 s: the default delivery (600 s) and
   * execution (120 s) timeouts plus a minute.
   */
  plannedGraceSeconds?: number;
  clock?: () => Date;
}

/** The default delivery and execution timeouts of the configuration, plus a minute of margin. */
export const DEFAULT_PLANNED_GRACE_SECONDS = 600 + 120 + 60;

export interface CreateActionOptions {
  at?: Date;
  /** Overrides {@link LedgerOptions.plannedGraceSeconds} for this action. */
  plannedGraceSeconds?: number;
  /**
   * The creator is about to send the action: it holds the resume lease (see
   * {@link Ledger.leaseResume}) for this long from the start, in the same PutItem.
   */
  resumeLeaseSeconds?: number;
  /**
   * A sweep's action only: what its host's listing counts on the sweep, kept on the action's item
   * in the same conditional PutItem, so it counts once, with the action, however often the listing
   * is delivered (see {@link SweepStore.summarizeSweepActions}).
   */
  sweepCount?: SweepCount;
}

export interface CompleteOptions {
  at?: Date;
  /**
   * Complete only from these statuses (among the legal ones): reconcile cancels an action it
   * found unsent only while it is still `planned`, never one a late sender has just dispatched.
   */
  from?: readonly ActionStatus[];
  /** What a close operation closed, stored with the action in the same write. */
  affected?: readonly AffectedEntry[];
  /**
   * The action stays on `byDeadline`, terminal, until {@link Ledger.unlistOverdue}: reconcile
   * finds its work only there, so a retry after a put of its outcome failed (or a crash before
   * it) must find the action there again to publish it.
   */
  keepOverdue?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back to get the next page. `null`: there is no next page. */
  cursor: string | null;
}

export interface PageRequest {
  /** 1–1000, default 50. */
  limit?: number;
  cursor?: string | null;
  /** Time order; default oldest first. */
  order?: 'asc' | 'desc';
}

export interface CreateActionResult {
  action: Action;
  /** The same request had already been recorded: this is that action, unchanged. */
  alreadyExisted: boolean;
}

export interface DispatchInput {
  commandId: string;
  /** When the action counts as overdue for reconcile. */
  deadline: Date;
  at?: Date;
}

export interface Ledger extends SweepStore, QuotaStore, SightingStore {
  /**
   * Records a planned action under its derived id, or returns the one already recorded for the
   * same request (`alreadyExisted`). For API triggers, a different request under the same ticket,
   * operation, host and target throws {@link ActionConflictError}; for schedule and idle-event
   * triggers the first write wins (a replayed observation of the same sweep or event).
   * The new action's `deadline` is its planned deadline (see {@link listOverdue}).
   */
  createAction(input: NewAction, options?: CreateActionOptions): Promise<CreateActionResult>;
  /** Strongly consistent read; `null` when absent. */
  getAction(id: string): Promise<Action | null>;
  /**
   * `planned → dispatched`, with the dispatch deadline replacing the planned one; throws
   * {@link StaleTransitionError} from any other status (so of two concurrent callers, one wins).
   */
  markDispatched(action: Pick<Action, 'id' | 'instanceId'>, input: DispatchInput): Promise<Action>;
  /**
   * Moves an action to a terminal status if that is legal from where it is; a duplicate or late
   * delivery throws {@link StaleTransitionError} and changes nothing (first timestamps stay).
   */
  complete(
    id: string,
    status: TerminalStatus,
    result: ActionResult | null,
    options?: CompleteOptions
  ): Promise<Action>;
  /**
   * Publishes the outcome of an action already terminal, again, and writes nothing: where a retry
   * of the work that ended it (a redelivered status record, a repeated plan or request, a retried
   * reconcile) meets it ended, since that work may have failed or died before its put. The
   * ledger itself publishes nothing (see `publishingLedger`).
   */
  publishTerminal(action: Action): Promise<void>;
  /**
   * Takes, for `leaseSeconds`, the right to resume a `planned` action whose sender may have died
   * (look for its command, send it if there is none): one conditional UpdateItem, so of
   * concurrent resumers exactly one gets `true`. `false` while another holds an unexpired lease,
   * or once the action has left `planned`. The first send of an action takes no lease.
   */
  leaseResume(id: string, options: { leaseSeconds: number; at?: Date }): Promise<boolean>;
  /**
   * Gives the lease up while the action is still `planned` (its send failed for now), so the
   * next resumer need not wait for it to run out.
   */
  releaseResume(id: string): Promise<void>;
  /** The action a status event is about (via `byCommand`; eventually consistent on DynamoDB). */
  findByCommand(commandId: string, instanceId: string): Promise<Action | null>;
  listByCommand(commandId: string, instanceId: string, page?: PageRequest): Promise<Page<Action>>;
  listByHost(instanceId: string, page?: PageRequest): Promise<Page<Action>>;
  listByTicket(ticketId: string, page?: PageRequest): Promise<Page<Action>>;
  /**
   * Open actions whose deadline is before `now`, earliest deadline first: `planned` ones past
   * their planned deadline (never sent, or sent but not recorded) and `dispatched` ones past
   * their dispatch deadline (status event lost or late); and terminal ones that reconcile
   * completed with `keepOverdue` and has not yet unlisted.
   */
  listOverdue(now: Date, page?: Omit<PageRequest, 'order'>): Promise<Page<Action>>;
  /** Takes a terminal action off `byDeadline` (see {@link CompleteOptions.keepOverdue}). */
  unlistOverdue(id: string): Promise<void>;
  /**
   * Records, per user, what an action closed: one PutItem each, keyed by action and user, so a
   * repeated status event writes the same items again. Written before the action completes, so
   * a crash in between leaves a retry that writes them again, never an action without them.
   */
  recordAffected(
    action: Pick<Action, 'id' | 'instanceId' | 'operation' | 'createdAt' | 'target'>,
    entries: readonly AffectedEntry[]
  ): Promise<void>;
  /**
   * Every action that targeted a user or cut one off, each once, by the bare name as the host's
   * guards match it: `alice` finds alice of every domain; `CORP\alice` finds CORP's and those
   * recorded without a domain (quser names none), never `OTHER\alice`'s. A page may hold fewer
   * than `limit` actions while its cursor is not null.
   */
  listByUser(userName: string, page?: PageRequest): Promise<Page<Action>>;
}

/** The user an action's own target names, if any. */
function targetUser(target: Action['target']): string | null {
  switch (target.kind) {
    case 'session':
      return target.expectedUser;
    case 'smb':
      return target.userName;
    case 'shell':
      return target.expectedOwner;
    case 'file':
      return null;
  }
}

/** `byUser` keys of an item that concerns these users (all with one bare name). */
function userIndexKeys(users: readonly string[], createdAt: string, id: string) {
  const [first] = users;
  if (first === undefined) return {};
  return {
    gsi5pk: userPartition(first),
    gsi5sk: `${createdAt}#${id}`,
    userKeys: new Set(users.map((u) => u.toLowerCase())),
  };
}

const userNameSchema = z.string().min(1).max(256);
/** Queries a user's page takes at most to fill it past other domains' entries. */
const MAX_USER_ROUNDS = 10;

const limitSchema = z.number().int().min(1).max(1000);
/** Whole seconds, at most 31 days (SSM's longest delivery timeout, 30 days, plus slack). */
const graceSchema = z.number().int().min(1).max(2_678_400);

function truncateResult(result: ActionResult | null): ActionResult | null {
  if (result === null) return null;
  return check(
    actionResultSchema,
    { ...result, excerpt: result.excerpt.slice(0, EXCERPT_LIMIT) },
    'result'
  );
}

export function createLedger(options: LedgerOptions): Ledger {
  const { client, tableName } = options;
  const retentionDays = options.retentionDays ?? 400;
  const clock = options.clock ?? (() => new Date());
  check(z.number().int().min(1).max(3650), retentionDays, 'retentionDays');
  const plannedGraceSeconds = check(
    graceSchema,
    options.plannedGraceSeconds ?? DEFAULT_PLANNED_GRACE_SECONDS,
    'plannedGraceSeconds'
  );

  const keyOf = (id: string) => ({ pk: actionPk(id), sk: ACTION_SK });

  async function readItem(id: string): Promise<Record<string, unknown> | undefined> {
    const out = await client.send(
      new GetCommand({ TableName: tableName, Key: keyOf(id), ConsistentRead: true })
    );
    return out.Item;
  }

  async function getAction(id: string): Promise<Action | null> {
    check(actionIdSchema, id, 'actionId');
    const item = await readItem(id);
    return item ? actionFromItem(item) : null;
  }

  /** After a refused conditional write: say why, with the action as it is now. */
  async function refusal(id: string, to: ActionStatus, cause: unknown): Promise<never> {
    const item = await readItem(id);
    if (!item) throw new ActionNotFoundError(id, { cause });
    throw new StaleTransitionError(actionFromItem(item), to, { cause });
  }

  async function createAction(
    input: NewAction,
    createOptions: CreateActionOptions = {}
  ): Promise<CreateActionResult> {
    const request = check(newActionSchema, input, 'action');
    const grace = check(
      graceSchema,
      createOptions.plannedGraceSeconds ?? plannedGraceSeconds,
      'plannedGraceSeconds'
    );
    const sweepCount =
      createOptions.sweepCount === undefined
        ? undefined
        : check(sweepCountSchema, createOptions.sweepCount, 'sweepCount');
    const lease =
      createOptions.resumeLeaseSeconds === undefined
        ? undefined
        : check(graceSchema, createOptions.resumeLeaseSeconds, 'resumeLeaseSeconds');
    const id = deriveActionId(request);
    const fingerprint = actionFingerprint(request);
    const at = createOptions.at ?? clock();
    const createdAt = iso(at, 'at');
    const deadline = new Date(at.getTime() + grace * 1000).toISOString();
    const action: Action = {
      id,
      ...request,
      message: request.message ?? null,
      warnSeconds: request.warnSeconds ?? null,
      status: 'planned',
      commandId: null,
      attempts: 0,
      result: null,
      createdAt,
      timestamps: { planned: createdAt },
      deadline,
    };
    const item = {
      ...keyOf(id),
      type: 'action',
      ...action,
      fingerprint,
      expiresAt: epochSeconds(at, retentionDays),
      resumeLease:
        lease === undefined ? undefined : new Date(at.getTime() + lease * 1000).toISOString(),
      sweepCount,
      gsi1pk: hostPartition(action.instanceId),
      gsi1sk: `${createdAt}#${id}`,
      gsi4pk: OPEN_PARTITION,
      gsi4sk: `${deadline}#${id}`,
      ...(action.trigger.kind === 'api'
        ? { gsi2pk: ticketPartition(action.trigger.ticketId), gsi2sk: `${createdAt}#${id}` }
        : {}),
      ...(action.trigger.kind === 'schedule'
        ? { gsi2pk: sweepActionsPartition(action.trigger.sweepId), gsi2sk: `${createdAt}#${id}` }
        : {}),
      ...userIndexKeys(
        [targetUser(action.target)].filter((u): u is string => u !== null),
        createdAt,
        id
      ),
    };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      );
      return { action, alreadyExisted: false };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // dynalite ignores ReturnValuesOnConditionCheckFailure, so read the winner explicitly.
      const existing = await readItem(id);
      if (!existing) {
        throw new LedgerError(`action ${id} was refused as existing but cannot be read`, {
          cause: error,
        });
      }
      const winner = actionFromItem(existing);
      if (action.trigger.kind === 'api' && existing.fingerprint !== fingerprint) {
        throw new ActionConflictError(winner, { cause: error });
      }
      return { action: winner, alreadyExisted: true };
    }
  }

  async function markDispatched(
    target: Pick<Action, 'id' | 'instanceId'>,
    input: DispatchInput
  ): Promise<Action> {
    const id = check(actionIdSchema, target.id, 'actionId');
    const commandId = check(commandIdSchema, input.commandId, 'commandId');
    const at = iso(input.at ?? clock(), 'at');
    const deadline = iso(input.deadline, 'deadline');
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(id),
          ConditionExpression: '#status = :planned AND instanceId = :instanceId',
          UpdateExpression:
            'SET #status = :to, commandId = :commandId, deadline = :deadline, #ts.#to = :at, ' +
            'gsi3pk = :g3pk, gsi3sk = :g3sk, gsi4pk = :open, gsi4sk = :g4sk ADD attempts :one',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#ts': 'timestamps',
            '#to': 'dispatched',
          },
          ExpressionAttributeValues: {
            ':planned': 'planned',
            ':instanceId': target.instanceId,
            ':to': 'dispatched',
            ':commandId': commandId,
            ':deadline': deadline,
            ':at': at,
            ':g3pk': commandPartition(commandId, target.instanceId),
            ':g3sk': `${at}#${id}`,
            ':open': OPEN_PARTITION,
            ':g4sk': `${deadline}#${id}`,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        })
      );
      return actionFromItem(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const item = await readItem(id);
      if (item && item.status === 'planned' && item.instanceId !== target.instanceId) {
        throw new InvalidLedgerInputError('invalid dispatch', [
          `action ${id} is on ${String(item.instanceId)}, not ${target.instanceId}`,
        ]);
      }
      return refusal(id, 'dispatched', error);
    }
  }

  async function complete(
    id: string,
    status: TerminalStatus,
    result: ActionResult | null,
    completeOptions: CompleteOptions = {}
  ): Promise<Action> {
    check(actionIdSchema, id, 'actionId');
    check(z.enum(TERMINAL_STATUSES), status, 'status');
    const stored = truncateResult(result);
    const affected =
      completeOptions.affected === undefined
        ? undefined
        : check(z.array(affectedEntrySchema), completeOptions.affected, 'affected');
    const at = completeOptions.at ?? clock();
    const atIso = iso(at, 'at');
    const only = completeOptions.from;
    const sources = sourcesOf(status).filter((s) => only === undefined || only.includes(s));
    if (sources.length === 0) {
      throw new InvalidLedgerInputError('invalid completion', [
        `${status} is not reachable from ${only?.join(', ') || 'no status'}`,
      ]);
    }
    const sourceValues = Object.fromEntries(sources.map((s, i) => [`:from${i}`, s]));
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(id),
          ConditionExpression: `#status IN (${Object.keys(sourceValues).join(', ')})`,
          UpdateExpression:
            'SET #status = :to, #result = :result, #ts.#to = :at, expiresAt = :expiresAt' +
            (affected === undefined ? '' : ', affected = :affected') +
            (completeOptions.keepOverdue ? '' : ' REMOVE gsi4pk, gsi4sk'),
          ExpressionAttributeNames: {
            '#status': 'status',
            '#result': 'result',
            '#ts': 'timestamps',
            '#to': status,
          },
          ExpressionAttributeValues: {
            ...sourceValues,
            ':to': status,
            ':result': stored,
            ':at': atIso,
            ':expiresAt': epochSeconds(at, retentionDays),
            ...(affected === undefined ? {} : { ':affected': affected }),
          },
          ReturnValues: 'ALL_NEW',
        })
      );
      return actionFromItem(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return refusal(id, status, error);
    }
  }

  async function unlistOverdue(id: string): Promise<void> {
    check(actionIdSchema, id, 'actionId');
    const terminal = Object.fromEntries(TERMINAL_STATUSES.map((s, i) => [`:t${i}`, s]));
    // Only a terminal action: an open one must stay where reconcile looks for it.
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keyOf(id),
        ConditionExpression: `#status IN (${Object.keys(terminal).join(', ')})`,
        UpdateExpression: 'REMOVE gsi4pk, gsi4sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: terminal,
      })
    );
  }

  async function recordAffected(
    action: Pick<Action, 'id' | 'instanceId' | 'operation' | 'createdAt' | 'target'>,
    entries: readonly AffectedEntry[]
  ): Promise<void> {
    check(actionIdSchema, action.id, 'actionId');
    const byUser = new Map<string, AffectedEntry[]>();
    for (const entry of check(z.array(affectedEntrySchema), entries, 'affected')) {
      const key = entry.userName.toLowerCase();
      byUser.set(key, [...(byUser.get(key) ?? []), entry]);
    }
    // One `byUser` entry per bare name, on the first of its items (the same on every retry), and
    // none where the action's own item is there already: a user's listing names an action once.
    const own = targetUser(action.target);
    const indexed = new Map<string, string[]>();
    for (const key of [...byUser.keys()].sort()) {
      const bare = bareUser(key);
      if (bare === '' || (own !== null && bareUser(own) === bare)) continue;
      indexed.set(bare, [...(indexed.get(bare) ?? []), key]);
    }
    for (const [key, mine] of byUser) {
      const userName = mine[0]?.userName ?? key;
      const group = indexed.get(bareUser(key));
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: actionPk(action.id),
            sk: affectedSk(userName),
            type: 'affected',
            actionId: action.id,
            instanceId: action.instanceId,
            operation: action.operation,
            userName,
            createdAt: action.createdAt,
            entries: mine,
            expiresAt: epochSeconds(clock(), retentionDays),
            ...(group?.[0] === key ? userIndexKeys(group, action.createdAt, action.id) : {}),
          },
        })
      );
    }
  }

  /**
   * One page of a user's entries: actions (the item itself) and other users' records (the action
   * read by id). A domain-qualified name skips other domains' entries by a filter, so the page
   * is filled by a few more queries, each starting where the last stopped.
   */
  async function listByUser(userName: string, page: PageRequest = {}): Promise<Page<Action>> {
    const name = check(userNameSchema, userName, 'userName');
    const limit = check(limitSchema, page.limit ?? 50, 'limit');
    const descending = page.order === 'desc';
    const partition = userPartition(name);
    const scope: CursorScope = {
      index: 'byUser',
      partition,
      descending,
      keyNames: ['gsi5pk', 'gsi5sk', LEDGER_TABLE.partitionKey, LEDGER_TABLE.sortKey],
    };
    let start: Key | undefined = page.cursor ? decodeCursor(scope, page.cursor) : undefined;
    const qualified = name.includes('\\');
    const items: Action[] = [];
    for (let round = 0; round < MAX_USER_ROUNDS && items.length < limit; round++) {
      const out = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'byUser',
          KeyConditionExpression: 'gsi5pk = :pk',
          ...(qualified
            ? {
                FilterExpression: 'contains(userKeys, :full) OR contains(userKeys, :bare)',
                ExpressionAttributeValues: {
                  ':pk': partition,
                  ':full': name.toLowerCase(),
                  ':bare': bareUser(name),
                },
              }
            : { ExpressionAttributeValues: { ':pk': partition } }),
          ScanIndexForward: !descending,
          Limit: limit - items.length,
          ExclusiveStartKey: start,
        })
      );
      for (const item of out.Items ?? []) {
        if (item.type !== 'affected') {
          items.push(actionFromItem(item));
          continue;
        }
        const action = await getAction(String(item.actionId));
        if (action !== null) items.push(action);
      }
      start = out.LastEvaluatedKey as Key | undefined;
      if (start === undefined) break;
    }
    return { items, cursor: start ? encodeCursor(scope, start) : null };
  }

  async function leaseResume(
    id: string,
    leaseOptions: { leaseSeconds: number; at?: Date }
  ): Promise<boolean> {
    check(actionIdSchema, id, 'actionId');
    const seconds = check(graceSchema, leaseOptions.leaseSeconds, 'leaseSeconds');
    const at = leaseOptions.at ?? clock();
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(id),
          ConditionExpression:
            '#status = :planned AND (attribute_not_exists(resumeLease) OR resumeLease < :now)',
          UpdateExpression: 'SET resumeLease = :until',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':planned': 'planned',
            ':now': iso(at, 'at'),
            ':until': new Date(at.getTime() + seconds * 1000).toISOString(),
          },
        })
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async function releaseResume(id: string): Promise<void> {
    check(actionIdSchema, id, 'actionId');
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(id),
          ConditionExpression: '#status = :planned',
          UpdateExpression: 'REMOVE resumeLease',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':planned': 'planned' },
        })
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async function query(
    index: LedgerIndexName,
    partition: string,
    page: PageRequest,
    before?: string
  ): Promise<Page<Action>> {
    const gsi = LEDGER_TABLE.globalSecondaryIndexes.find((g) => g.indexName === index);
    if (!gsi) throw new LedgerError(`unknown index ${index}`);
    const limit = check(limitSchema, page.limit ?? 50, 'limit');
    const descending = page.order === 'desc';
    const scope: CursorScope = {
      index,
      partition,
      descending,
      keyNames: [gsi.partitionKey, gsi.sortKey, LEDGER_TABLE.partitionKey, LEDGER_TABLE.sortKey],
    };
    const start: Key | undefined = page.cursor ? decodeCursor(scope, page.cursor) : undefined;
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index,
        KeyConditionExpression: before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
        ExpressionAttributeNames: {
          '#pk': gsi.partitionKey,
          ...(before === undefined ? {} : { '#sk': gsi.sortKey }),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(before === undefined ? {} : { ':before': before }),
        },
        ScanIndexForward: !descending,
        Limit: limit,
        ExclusiveStartKey: start,
      })
    );
    const last = out.LastEvaluatedKey as Key | undefined;
    return {
      items: (out.Items ?? []).map(actionFromItem),
      cursor: last ? encodeCursor(scope, last) : null,
    };
  }

  async function listByCommand(
    commandId: string,
    instanceId: string,
    page: PageRequest = {}
  ): Promise<Page<Action>> {
    check(commandIdSchema, commandId, 'commandId');
    check(instanceIdSchema, instanceId, 'instanceId');
    return query('byCommand', commandPartition(commandId, instanceId), page);
  }

  return {
    createAction,
    getAction,
    markDispatched,
    complete,
    async publishTerminal() {},
    leaseResume,
    releaseResume,
    listByCommand,
    async findByCommand(commandId, instanceId) {
      const page = await listByCommand(commandId, instanceId, { limit: 1 });
      return page.items[0] ?? null;
    },
    async listByHost(instanceId, page = {}) {
      check(instanceIdSchema, instanceId, 'instanceId');
      return query('byHost', hostPartition(instanceId), page);
    },
    async listByTicket(ticketId, page = {}) {
      check(ticketIdSchema, ticketId, 'ticketId');
      return query('byTicket', ticketPartition(ticketId), page);
    },
    async listOverdue(now, page = {}) {
      return query('byDeadline', OPEN_PARTITION, { ...page, order: 'asc' }, iso(now, 'now'));
    },
    unlistOverdue,
    recordAffected,
    listByUser,
    ...createSweepStore({ client, tableName, retentionDays, clock }),
    ...createQuotaStore({ client, tableName, retentionDays }),
    ...createSightingStore({ client, tableName, retentionDays }),
  };
}
