import type { Action } from '../actions/model.js';
import { listingAgeMs, MAX_LISTING_AGE_MS } from '../dispatch/dispatch.js';
import { notifiesOf } from '../dispatch/history.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SweepBudget } from '../ledger/sweeps.js';
import { type HostPlan, planHost } from '../policy/plan.js';
import type { Policy, ResolvedGroup } from '../policy/schema.js';
import type { HostEnvelope, HostOperation } from '../ssm/host-contract.js';
import type { SessionListing } from '../ssm/listing.js';
import { outcomeOf } from '../ssm/outcome.js';
import type { InvocationReading } from '../ssm/read.js';
import type { QuserSession } from '../windows/types.js';
import { withDisconnectTimes } from './disconnected.js';

export type ListingRead<Listing> =
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string }
  | { kind: 'listed'; envelope: HostEnvelope; listing: Listing };

/**
 * What a listing invocation came to: still pending; failed, with why (SSM's outcome, or the
 * host's listing that `read` cannot take); or the listing with the envelope it came in.
 */
export function listingOf<Listing extends { kind: 'listed' }>(
  reading: InvocationReading,
  operation: HostOperation,
  read: (envelope: HostEnvelope) => Listing | { kind: 'failed'; reason: string }
): ListingRead<Listing> {
  const outcome = outcomeOf(reading, operation);
  if (outcome.status === 'pending') return { kind: 'pending' };
  const envelope = reading.envelope;
  if (outcome.status !== 'succeeded' || envelope === null) {
    const { errorCode, excerpt } = outcome.result;
    return { kind: 'failed', reason: `${outcome.status}: ${errorCode ?? ''} ${excerpt}` };
  }
  const listing = read(envelope);
  if (listing.kind === 'failed') return { kind: 'failed', reason: listing.reason };
  return { kind: 'listed', envelope, listing };
}

/**
 * Why a listing the host produced at `hostTimeUtc` is too old to plan from, or `null`: a late or
 * redriven status event meets this; the next sweep lists the host afresh. The send checks the
 * same bound again (`dispatchAction`).
 */
export function staleListing(deps: { clock: () => Date }, hostTimeUtc: string): string | null {
  return listingAgeMs(deps, hostTimeUtc) > MAX_LISTING_AGE_MS
    ? `stale: sessions listed at ${hostTimeUtc}`
    : null;
}

/**
 * What a sweep's listing may plan (`fleetRemaining`: its allowance, or what claims have left) and
 * the limit its claims share: the fleet limit less what the sweep holds for its listings.
 */
export function listingBudget(
  policy: Pick<Policy, 'fleetMaxActionsPerSweep'>,
  budget: SweepBudget
): { fleetRemaining: number; claimMax: number } {
  const claimMax = Math.max(0, policy.fleetMaxActionsPerSweep - budget.allowance.reserved);
  return {
    claimMax,
    fleetRemaining: Math.max(budget.allowance.perListing, claimMax - budget.actionsPlanned),
  };
}

/**
 * Why a host cannot act on any session now, by its own listing's language mode, or `null`. Under
 * WDAC or AppLocker the script runs in ConstrainedLanguage mode, where the guards' Add-Type is
 * blocked: every session action would fail (exit 30). Held, not retried, until a listing of the
 * host says FullLanguage again.
 */
export function actionsHeld(languageMode: string): string | null {
  if (languageMode === 'FullLanguage') return null;
  return `host runs PowerShell in ${languageMode} mode (WDAC or AppLocker): no session action until a listing shows FullLanguage`;
}

/**
 * The plan for `rows` of a host's session listing: each disconnected one timed (see
 * `withDisconnectTimes`), the host's earlier warnings from its `history`.
 */
export async function planListedSessions(
  deps: { ledger: Pick<Ledger, 'firstSeenDisconnected'>; clock: () => Date },
  input: {
    instanceId: string;
    group: ResolvedGroup;
    rows: readonly QuserSession[];
    envelope: HostEnvelope;
    listing: Extract<SessionListing, { kind: 'listed' }>;
    history: readonly Action[];
    fleetRemaining: number;
  }
): Promise<HostPlan> {
  const { group, envelope, listing, history } = input;
  const sessions = await withDisconnectTimes(deps, {
    instanceId: input.instanceId,
    group,
    rows: input.rows,
    hostDisconnectTimes: listing.disconnectTimes,
    observedAt: envelope.hostTimeUtc,
    history,
  });
  return planHost({
    group,
    sessions,
    observedAt: envelope.hostTimeUtc,
    utcOffsetMinutes: envelope.utcOffsetMinutes,
    priorNotifies: notifiesOf(history),
    now: deps.clock().toISOString(),
    fleetRemaining: input.fleetRemaining,
    consoleSessionId: listing.consoleSessionId,
  });
}
