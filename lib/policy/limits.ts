import type { ResolvedGroup } from './schema.js';

/** What the limits record; a plan kind that cannot record them cannot be limited here. */
type LimitSkip = 'host-limit' | 'fleet-limit' | 'dry-run';

/** A plan (of a session or a shell) recorded as skipped, its reason saying why. */
export function skipped<P extends { reason: string; skip: string | null }>(
  plan: P,
  reason: NonNullable<P['skip']>,
  detail: string
): P {
  return { ...plan, skip: reason, reason: `${plan.reason}; skipped: ${detail}` };
}

/**
 * The blast-radius limits over one host's candidates, taken in the order given (the caller puts
 * the longest inactive first, so the limits spare the most recently active): past the host's
 * limit or the fleet's room a plan is held back, and a dry run only records what it would send.
 */
export function withinLimits<P extends { reason: string; skip: string | null }>(
  candidates: readonly P[] & (LimitSkip extends P['skip'] ? unknown : never),
  group: ResolvedGroup,
  fleetRemaining: number
): P[] {
  const room = Math.max(0, fleetRemaining);
  // The host has reached its limit only when it got that many; past the fleet's room first, the
  // rest are held back by the fleet limit.
  const hostLimitReached = room >= group.maxActionsPerHost;
  return candidates.map((plan, i) => {
    if (i >= Math.min(group.maxActionsPerHost, room)) {
      return hostLimitReached
        ? skipped(plan, 'host-limit', `host limit of ${group.maxActionsPerHost} reached`)
        : skipped(plan, 'fleet-limit', 'fleet limit for this sweep reached');
    }
    return group.dryRun ? skipped(plan, 'dry-run', 'dry run') : plan;
  });
}
