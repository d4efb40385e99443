import type { Action } from '../actions/model.js';
import { dispatchPlan } from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { recentActions } from '../dispatch/history.js';
import { resolveGroup } from '../policy/schema.js';
import { type PlannedShellEnd, planShells } from '../policy/shells.js';
import { shellListingOf } from '../ssm/listing.js';
import type { InvocationReading } from '../ssm/read.js';
import type { CollectDeps } from './collect.js';
import { listingBudget, listingOf, staleListing } from './listing-checks.js';

export type ShellsCollected =
  | { kind: 'shells'; sweepId: string; group: string; shells: number; actions: Action[] }
  | { kind: 'host-failed'; sweepId: string; reason: string }
  | { kind: 'ignored'; reason: string };

/**
 * A plan this host's history already answers: an end of that shell still under way (a second
 * one could only find it gone), or an exclusion already recorded for it (once per shell, not at
 * every sweep; shell ids are GUIDs, never reused).
 */
function alreadyHandled(history: readonly Action[], plan: PlannedShellEnd): boolean {
  return history.some(
    (a) =>
      a.operation === 'end-shell' &&
      a.target.kind === 'shell' &&
      a.target.shellId.toUpperCase() === plan.shellId.toUpperCase() &&
      (a.status === 'planned' ||
        a.status === 'dispatched' ||
        (plan.skip === 'excluded' && a.result?.errorCode === 'policy:excluded'))
  );
}

/**
 * A sweep's `ListShells` of one host: parse → the group's `shells` policy → ledger → dispatch,
 * within the sweep's fleet limit. A listing WinRM could not give is a failure of that host, and
 * plans nothing: a shell is never ended from a listing that was not read whole.
 */
export async function collectShells(
  deps: CollectDeps,
  sweepId: string,
  groupName: string,
  reading: InvocationReading
): Promise<ShellsCollected> {
  const { instanceId } = reading;
  const budget = await deps.ledger.getSweepBudget(sweepId);
  if (budget === null) return { kind: 'ignored', reason: `unknown sweep ${sweepId}` };
  const failed = (reason: string): ShellsCollected => {
    deps.observer.warn('host could not list its shells', { sweepId, instanceId, reason });
    return { kind: 'host-failed', sweepId, reason };
  };
  const read = listingOf(reading, 'ListShells', shellListingOf);
  if (read.kind === 'pending') return { kind: 'ignored', reason: 'still pending' };
  if (read.kind === 'failed') return failed(read.reason);
  const { envelope, listing } = read;
  const stale = staleListing(deps, envelope.hostTimeUtc);
  if (stale !== null) {
    // Said, as a failed or held listing is: dropped without a word, the host only went missing
    // from the sweep's actions.
    deps.observer.warn('shells listing too old to act on', {
      sweepId,
      instanceId,
      listedAt: envelope.hostTimeUtc,
    });
    return { kind: 'ignored', reason: stale };
  }
  if (listing.warnings.length > 0) {
    deps.observer.warn('shell list read with warnings', {
      sweepId,
      instanceId,
      warnings: listing.warnings,
    });
  }
  const group = resolveGroup(deps.policy, groupName);
  const { fleetRemaining, claimMax } = listingBudget(deps.policy, budget);
  const plans = planShells({
    group,
    shells: listing.rows,
    observedAt: envelope.hostTimeUtc,
    utcOffsetMinutes: envelope.utcOffsetMinutes,
    fleetRemaining,
  });
  const history = plans.length > 0 ? await recentActions(deps.ledger, instanceId) : [];
  const { actions, retry } = await dispatchPlan(deps, {
    instanceId,
    trigger: { kind: 'schedule', sweepId },
    group,
    planned: plans.filter((plan) => !alreadyHandled(history, plan)),
    listedAt: envelope.hostTimeUtc,
    allowance: { upTo: budget.allowance.perListing },
    claim: async (wanted) => {
      const { granted } = await deps.ledger.claimSweepQuota(sweepId, {
        counter: 'actionsPlanned',
        wanted,
        max: claimMax,
      });
      return {
        granted,
        refused: { limit: 'fleet-limit', detail: 'fleet limit for this sweep reached' },
      };
    },
  });
  if (retry) throw new RetryLaterError(`some shell ends for ${instanceId} could not be sent yet`);
  return { kind: 'shells', sweepId, group: group.name, shells: listing.rows.length, actions };
}
