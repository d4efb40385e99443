import type { Action } from '../actions/model.js';
import { InvalidCursorError } from '../ledger/errors.js';
import type { Sweep, SweepActions, SweepHostResult } from '../ledger/sweeps.js';
import { DEFAULT_GROUP, namedGroups } from '../policy/schema.js';
import { SsmServiceError } from '../ssm/errors.js';
import { groupsOfHosts, listManagedPage } from '../ssm/instances.js';
import type { ApiDeps } from './deps.js';
import { badRequest, notFound } from './errors.js';

/**
 * The fleet and its sweeps as the API shows them: managed hosts from SSM with what the ledger
 * knows of them, and each sweep's record with what its actions came to.
 */

const badCursor = () =>
  badRequest('invalid cursor', [
    { path: 'query.cursor', message: 'not a cursor this listing issued' },
  ]);

/** SSM's next token, wrapped so that the API's cursors all look alike. */
function encodeHostsCursor(nextToken: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: nextToken }), 'utf8').toString('base64url');
}

function decodeHostsCursor(cursor: string): string {
  try {
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof body === 'object' &&
      body !== null &&
      (body as { v?: unknown }).v === 1 &&
      typeof (body as { t?: unknown }).t === 'string' &&
      (body as { t: string }).t.length > 0
    ) {
      return (body as { t: string }).t;
    }
  } catch {
    // not JSON: refused below
  }
  throw badCursor();
}

/** How a host's most recent sweep went, as far as the ledger tells. */
export interface HostSweep {
  sweepId: string;
  scheduledAt: string;
  /**
   * `listed`: the host answered with its sessions and nothing was to be sent; `failed`: it
   * could not list them; `acted`: it answered and the sweep planned actions for it (see
   * `lastAction`).
   */
  result: 'listed' | 'failed' | 'acted';
  /** Sessions the host listed; `null` for `acted` (counted with the sweep's claim) and `failed`. */
  sessions: number | null;
}

export interface HostSummary {
  instanceId: string;
  computerName: string | null;
  platformName: string | null;
  /** SSM's: `Online`, `ConnectionLost`, `Inactive`. */
  pingStatus: string;
  lastPingAt: string | null;
  agentVersion: string | null;
  /** The policy group the host's tag picks (`default` when it names none the policy has). */
  policyGroup: string;
  /** Its latest result among the three newest sweeps; `null`: none of them heard from it. */
  lastSweep: HostSweep | null;
  /** The newest action on the host, whatever its trigger. */
  lastAction: Action | null;
}

/** The sweeps a host's last result is looked for in: a new sweep may not have reached it yet. */
const RECENT_SWEEPS = 3;

function sweepOf(
  recent: readonly { sweep: Sweep; hosts: Map<string, SweepHostResult> }[],
  instanceId: string,
  lastAction: Action | null
): HostSweep | null {
  for (const { sweep, hosts } of recent) {
    const counted = hosts.get(instanceId);
    const base = { sweepId: sweep.id, scheduledAt: sweep.scheduledAt };
    if (counted !== undefined) {
      return (counted.errors ?? 0) > 0
        ? { ...base, result: 'failed', sessions: null }
        : { ...base, result: 'listed', sessions: counted.sessionsSeen ?? 0 };
    }
    const trigger = lastAction?.trigger;
    if (trigger?.kind === 'schedule' && trigger.sweepId === sweep.id) {
      return { ...base, result: 'acted', sessions: null };
    }
  }
  return null;
}

/**
 * `GET /v1/hosts`: one page of DescribeInstanceInformation (managed tag, Windows, any ping
 * status), each host's group (one filtered query per named group), its newest action (one
 * Query on `byHost`) and its result in the newest sweeps (their listing commands' items).
 */
export async function listHosts(
  deps: ApiDeps,
  query: { limit: number; cursor?: string }
): Promise<{ items: HostSummary[]; cursor: string | null }> {
  const nextToken = query.cursor === undefined ? undefined : decodeHostsCursor(query.cursor);
  const ssmDeps = { ssm: deps.ssm, retry: deps.retry };
  let page: Awaited<ReturnType<typeof listManagedPage>>;
  try {
    page = await listManagedPage(ssmDeps, {
      tagKey: deps.managedTag.key,
      tagValue: deps.managedTag.value,
      limit: query.limit,
      nextToken,
    });
  } catch (error) {
    if (error instanceof SsmServiceError && error.errorName === 'InvalidNextToken') {
      throw badCursor();
    }
    throw error;
  }
  const ids = page.instances.map((i) => i.instanceId);
  const [groups, recentSweeps] = await Promise.all([
    groupsOfHosts(ssmDeps, ids, deps.groupTagKey, namedGroups(deps.policy)),
    deps.ledger.listSweeps({ limit: RECENT_SWEEPS }),
  ]);
  const recent = await Promise.all(
    recentSweeps.items.map(async (sweep) => ({
      sweep,
      hosts: await deps.ledger.getSweepHosts(sweep.id),
    }))
  );
  const items = await Promise.all(
    page.instances.map(async (instance): Promise<HostSummary> => {
      const history = await deps.ledger.listByHost(instance.instanceId, {
        limit: 1,
        order: 'desc',
      });
      const lastAction = history.items[0] ?? null;
      return {
        instanceId: instance.instanceId,
        computerName: instance.computerName,
        platformName: instance.platformName,
        pingStatus: instance.pingStatus,
        lastPingAt: instance.lastPingAt,
        agentVersion: instance.agentVersion,
        policyGroup: groups.get(instance.instanceId) ?? DEFAULT_GROUP,
        lastSweep: sweepOf(recent, instance.instanceId, lastAction),
        lastAction,
      };
    })
  );
  return {
    items,
    cursor: page.nextToken === null ? null : encodeHostsCursor(page.nextToken),
  };
}

/** A sweep as the API shows it: what it asked, saw, planned, did and skipped. */
export interface SweepSummary {
  id: string;
  scheduledAt: string;
  startedAt: string;
  updatedAt: string;
  /** Hosts asked for their sessions, in all and per policy group (`null` before it listed them). */
  asked: { hosts: number; groups: Record<string, number> | null };
  /** Sessions the hosts listed, and hosts that could not list them or that SSM refused. */
  seen: { sessions: number; errors: number };
  /**
   * Actions to send it counted against the fleet limit, claimed or within its listings' allowance
   * (skipped plans are not among them).
   */
  planned: number;
  /** Every action it recorded, by status (its `did`), by operation, and skipped by reason. */
  actions: Omit<SweepActions, 'counted'>;
}

async function summaryOf(deps: Pick<ApiDeps, 'ledger'>, sweep: Sweep): Promise<SweepSummary> {
  // Listings within the sweep's allowance counted on their actions, not on the sweep's items.
  const { counted, ...actions } = await deps.ledger.summarizeSweepActions(sweep.id);
  return {
    id: sweep.id,
    scheduledAt: sweep.scheduledAt,
    startedAt: sweep.startedAt,
    updatedAt: sweep.updatedAt,
    asked: { hosts: sweep.counters.hostsAsked, groups: sweep.groups },
    seen: {
      sessions: sweep.counters.sessionsSeen + counted.sessionsSeen,
      errors: sweep.counters.errors,
    },
    planned: sweep.counters.actionsPlanned + counted.actionsPlanned,
    actions,
  };
}

/** `GET /v1/sweeps`: newest first, each with its actions' summary. */
export async function listSweeps(
  deps: Pick<ApiDeps, 'ledger'>,
  query: { limit: number; cursor?: string }
): Promise<{ items: SweepSummary[]; cursor: string | null }> {
  try {
    const page = await deps.ledger.listSweeps({ limit: query.limit, cursor: query.cursor });
    return {
      items: await Promise.all(page.items.map((sweep) => summaryOf(deps, sweep))),
      cursor: page.cursor,
    };
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badCursor();
    throw error;
  }
}

/** `GET /v1/sweeps/{id}`. */
export async function getSweep(deps: Pick<ApiDeps, 'ledger'>, id: string): Promise<SweepSummary> {
  const sweep = await deps.ledger.getSweep(id);
  if (sweep === null) throw notFound(`no sweep ${id}`);
  return summaryOf(deps, sweep);
}
