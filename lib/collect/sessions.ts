import type { Action } from '../actions/model.js';
import {
  noBudget,
  type PlanDispatchResult,
  type QuotaGrant,
  type RecordedPlan,
  recordPlan,
  sendPlan,
} from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { actedThisIdlePeriod, recentActions, recordedExclusion } from '../dispatch/history.js';
import { type ResolvedGroup, resolveGroup } from '../policy/schema.js';
import { sessionListingOf } from '../ssm/listing.js';
import type { InvocationReading } from '../ssm/read.js';
import type { CollectDeps, CollectResult } from './collect.js';
import {
  actionsHeld,
  listingBudget,
  listingOf,
  planListedSessions,
  staleListing,
} from './listing-checks.js';

/** A host's session listing, planned, its sends recorded, waiting for the sweep's budget. */
export interface ListingToSend {
  kind: 'to-send';
  sweepId: string;
  instanceId: string;
  /** The listing command: the part of the sweep record that counts its hosts. */
  commandId: string;
  group: ResolvedGroup;
  /** What claims of the listing's sweep share (see `listingBudget`). */
  claimMax: number;
  sessions: number;
  recorded: RecordedPlan;
}

export type Settled = { ok: true; result: CollectResult } | { ok: false; error: unknown };

const FLEET_REFUSAL: QuotaGrant['refused'] = {
  limit: 'fleet-limit',
  detail: 'fleet limit for this sweep reached',
};
/** A listing command names at most 50 hosts; one write counts them. */
const COUNT_CHUNK = 50;

/**
 * A sweep's `ListSessions` result: read → parse → policy → the host's planned actions recorded.
 * What is left (the fleet budget, the sends, counting the host) is {@link settleListings}'s.
 */
export async function examineSessions(
  deps: CollectDeps,
  sweepId: string,
  groupName: string,
  reading: InvocationReading
): Promise<CollectResult | ListingToSend> {
  const { instanceId } = reading;
  const budget = await deps.ledger.getSweepBudget(sweepId);
  if (budget === null) return { kind: 'ignored', reason: `unknown sweep ${sweepId}` };
  // Status events arrive at least once: a host's listing counts once per sweep (per its command).
  const once = { shard: reading.commandId, key: instanceId };

  /** Nothing planned from this listing: said, and counted once as the host's error in its sweep. */
  const failed = async (
    reason: string,
    warning = 'host could not list its sessions',
    data: Record<string, unknown> = {}
  ): Promise<CollectResult> => {
    deps.observer.warn(warning, { sweepId, instanceId, reason, ...data });
    await deps.ledger.addToSweepOnce(sweepId, once, { errors: 1 });
    return { kind: 'host-failed', sweepId, reason };
  };
  const read = listingOf(reading, 'ListSessions', sessionListingOf);
  if (read.kind === 'pending') return { kind: 'ignored', reason: 'still pending' };
  if (read.kind === 'failed') return failed(read.reason);
  const { envelope, listing: parsed } = read;
  const stale = staleListing(deps, envelope.hostTimeUtc);
  // As a failed listing: dropped without a word, the host went missing from the sweep's record.
  if (stale !== null) {
    return failed(stale, 'sessions listing too old to act on', { listedAt: envelope.hostTimeUtc });
  }
  const held = actionsHeld(envelope.languageMode);
  if (held !== null) {
    deps.observer.warn('host cannot act on sessions', { sweepId, instanceId, reason: held });
    await deps.ledger.addToSweepOnce(sweepId, once, { sessionsSeen: parsed.rows.length });
    const { name } = resolveGroup(deps.policy, groupName);
    return { kind: 'sessions', sweepId, group: name, sessions: parsed.rows.length, actions: [] };
  }
  if (parsed.warnings.length > 0 || envelope.stdoutTruncated) {
    deps.observer.warn('quser output read with warnings', {
      sweepId,
      instanceId,
      warnings: parsed.warnings,
      truncated: envelope.stdoutTruncated,
    });
  }

  const group = resolveGroup(deps.policy, groupName);
  const { fleetRemaining, claimMax } = listingBudget(deps.policy, budget);
  const history = parsed.rows.length > 0 ? await recentActions(deps.ledger, instanceId) : [];
  const plan = await planListedSessions(deps, {
    instanceId,
    group,
    rows: parsed.rows,
    envelope,
    listing: parsed,
    history,
    fleetRemaining,
  });
  // The history's times are the ledger's: measure the idle period on the same clock.
  const nowMs = deps.clock().getTime();
  const thisSweep = (a: Action) => a.trigger.kind === 'schedule' && a.trigger.sweepId === sweepId;
  const planned = plan.actions.filter((action) => {
    const excluded = recordedExclusion(history, action);
    if (excluded) return false;
    const earlier = actedThisIdlePeriod(history, action, nowMs, thisSweep);
    if (earlier) {
      deps.observer.info('session already handled in this idle period', {
        sweepId,
        instanceId,
        sessionId: action.sessionId,
        actionId: earlier.id,
      });
    }
    return earlier === null;
  });
  const recorded = await recordPlan(deps, {
    instanceId,
    trigger: { kind: 'schedule', sweepId },
    group,
    planned,
    listedAt: envelope.hostTimeUtc,
    allowance: { upTo: budget.allowance.perListing, sessionsSeen: parsed.rows.length },
  });
  return {
    kind: 'to-send',
    sweepId,
    instanceId,
    commandId: reading.commandId,
    group,
    claimMax,
    sessions: parsed.rows.length,
    recorded,
  };
}

/**
 * Sends what examined listings planned, in their order, with one claim on each sweep's fleet
 * budget for all of its listings here that their allowance did not count, and counts each host on
 * the sweep record: a host with sends counts on its first action (within its allowance) or with
 * that claim, by the delivery that recorded its first send (that record is conditional), so it
 * counts once however often, or however concurrently, its listing is delivered; the others add
 * nothing. A host with nothing to send, or whose claim got nothing, counts through its listing
 * command's set of counted hosts, its command's hosts in one write. So a batch of status records
 * costs the sweep record no write, or a write or two, not one per host.
 */
export async function settleListings(
  deps: CollectDeps,
  listings: readonly ListingToSend[]
): Promise<Settled[]> {
  const failures = new Map<ListingToSend, unknown>();
  const grants = new Map<ListingToSend, QuotaGrant>();
  const countedByClaim = new Set<ListingToSend>();
  const claiming = listings.filter((l) => !l.recorded.counted);
  for (const [sweepId, ofSweep] of groupBy(claiming, (l) => l.sweepId)) {
    const wanted = ofSweep.reduce((n, l) => n + l.recorded.fresh, 0);
    if (wanted === 0) continue;
    const firsts = ofSweep.filter((l) => l.recorded.first);
    try {
      const { granted } = await deps.ledger.claimSweepQuota(sweepId, {
        counter: 'actionsPlanned',
        wanted,
        max: Math.min(...ofSweep.map((l) => l.claimMax)),
        add: firsts.length > 0 ? { sessionsSeen: sessionsOf(firsts) } : undefined,
      });
      let left = granted;
      for (const listing of ofSweep) {
        const share = Math.min(listing.recorded.fresh, left);
        left -= share;
        grants.set(listing, { granted: share, refused: FLEET_REFUSAL });
      }
      if (granted > 0) for (const listing of firsts) countedByClaim.add(listing);
    } catch (error) {
      for (const listing of ofSweep) failures.set(listing, error);
    }
  }

  const sent = new Map<ListingToSend, PlanDispatchResult>();
  for (const listing of listings) {
    if (failures.has(listing)) continue;
    try {
      const grant = grants.get(listing) ?? noBudget(listing.recorded.fresh);
      sent.set(listing, await sendPlan(deps, listing.recorded, grant));
    } catch (error) {
      failures.set(listing, error);
    }
  }

  // A plan with sends counts on its actions or with its claim; without, through its command.
  const sends = (l: ListingToSend) => l.recorded.input.planned.some((plan) => plan.skip === null);
  const toCount = listings.filter(
    (l) =>
      sent.has(l) &&
      !l.recorded.counted &&
      (!sends(l) || (l.recorded.first && !countedByClaim.has(l)))
  );
  for (const ofCommand of groupBy(toCount, (l) => `${l.sweepId} ${l.commandId}`).values()) {
    for (let i = 0; i < ofCommand.length; i += COUNT_CHUNK) {
      const chunk = ofCommand.slice(i, i + COUNT_CHUNK);
      const [first] = chunk;
      if (!first) continue;
      try {
        await deps.ledger.addEachToSweepOnce(
          first.sweepId,
          first.commandId,
          chunk.map((l) => ({ key: l.instanceId, deltas: { sessionsSeen: l.sessions } }))
        );
      } catch (error) {
        for (const listing of chunk) failures.set(listing, error);
      }
    }
  }

  return listings.map((listing): Settled => {
    const result = sent.get(listing);
    if (failures.has(listing) || !result) return { ok: false, error: failures.get(listing) };
    if (result.retry) {
      const error = new RetryLaterError(
        `some actions for ${listing.instanceId} could not be sent yet`
      );
      return { ok: false, error };
    }
    return {
      ok: true,
      result: {
        kind: 'sessions',
        sweepId: listing.sweepId,
        group: listing.group.name,
        sessions: listing.sessions,
        actions: result.actions,
      },
    };
  });
}

function sessionsOf(listings: readonly ListingToSend[]): number {
  return listings.reduce((n, l) => n + l.sessions, 0);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}
