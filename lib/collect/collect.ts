import type { Action } from '../actions/model.js';
import { NOT_FINAL_STATUSES } from '../contract.js';
import { parseComment } from '../dispatch/comments.js';
import { completeFromReading } from '../dispatch/complete.js';
import { type DispatchDeps, dispatchDeadline, dispatchPlan } from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { actedThisIdlePeriod, recentActions, recordedExclusion } from '../dispatch/history.js';
import { recordFoundDispatch } from '../dispatch/unrecorded.js';
import { checkIdleSession, type IdleCheckResult } from '../idle/check.js';
import type { Ledger } from '../ledger/ledger.js';
import { type Policy, resolveGroup } from '../policy/schema.js';
import { CommandNotFoundError, InvocationNotFoundError } from '../ssm/errors.js';
import { sessionListingOf } from '../ssm/listing.js';
import { outcomeOf } from '../ssm/outcome.js';
import { DEFAULT_MISSING_RETRY_MS, type InvocationReading, readInvocation } from '../ssm/read.js';
import { actionsHeld, listingOf, planListedSessions, staleListing } from './listing-checks.js';
import { collectShells, type ShellsCollected } from './shells.js';

export interface CollectDeps extends DispatchDeps {
  ledger: Ledger;
  policy: Policy;
  /**
   * How long after its status event was queued an invocation SSM does not show yet is taken for
   * SSM's eventual consistency (the event is handed back, {@link RetryLaterError}) rather than
   * believed unknown. Default {@link DEFAULT_MISSING_RETRY_MS}.
   */
  missingRetryMs?: number;
}

export interface InvocationStatusInput {
  commandId: string;
  instanceId: string;
  /** The status the event claims; the invocation itself is read again before anything changes. */
  status: string;
  /** How long the event has waited since its queue accepted it; absent: long enough. */
  queuedForMs?: number;
  /** The invocation as already read, terminal, with the rest of its command (see batch-read.ts). */
  reading?: InvocationReading;
}

export type CollectResult =
  | { kind: 'ignored'; reason: string }
  | { kind: 'action'; action: Action }
  | {
      kind: 'sessions';
      sweepId: string;
      group: string;
      sessions: number;
      actions: Action[];
    }
  | { kind: 'host-failed'; sweepId: string; reason: string }
  | ShellsCollected
  | IdleCheckResult;

const NOT_FINAL: ReadonlySet<string> = new Set(NOT_FINAL_STATUSES);

/** Whether an event claiming this status has an invocation to read (see NOT_FINAL). */
export function claimsFinal(status: string): boolean {
  return !NOT_FINAL.has(status);
}

/**
 * One Run Command invocation changed status. For a `ListSessions` of a sweep: read → parse →
 * policy → ledger → dispatch. For an action: move it to its terminal status. Duplicated, late and
 * foreign events change nothing; work that cannot finish yet throws {@link RetryLaterError}.
 */
export async function handleInvocationStatus(
  deps: CollectDeps,
  input: InvocationStatusInput
): Promise<CollectResult> {
  if (NOT_FINAL.has(input.status)) return { kind: 'ignored', reason: `status ${input.status}` };
  let reading: InvocationReading;
  try {
    // One read, never a wait: a batch holds many records, and the queue is the place to wait.
    reading =
      input.reading ??
      (await readInvocation(
        { ssm: deps.ssm, retry: deps.retry },
        { commandId: input.commandId, instanceId: input.instanceId, missingRetryMs: 0 }
      ));
  } catch (error) {
    if (error instanceof InvocationNotFoundError) {
      // Just after SendCommand SSM may not show the invocation yet; after that, it is unknown.
      const window = deps.missingRetryMs ?? DEFAULT_MISSING_RETRY_MS;
      if ((input.queuedForMs ?? Number.POSITIVE_INFINITY) < window) {
        throw new RetryLaterError(`invocation ${input.commandId} is not visible yet`, {
          cause: error,
        });
      }
      return { kind: 'ignored', reason: 'unknown invocation' };
    }
    if (error instanceof CommandNotFoundError)
      return { kind: 'ignored', reason: 'unknown invocation' };
    throw error;
  }
  if (NOT_FINAL.has(reading.status)) return { kind: 'ignored', reason: `status ${reading.status}` };

  const purpose = parseComment(reading.comment);
  if (purpose === null) return { kind: 'ignored', reason: 'not a session-janitor command' };
  if (purpose.kind === 'action') return collectActionResult(deps, purpose.actionId, reading);
  if (purpose.kind === 'idle') return checkIdleSession(deps, purpose, reading);
  if (purpose.kind === 'shells')
    return collectShells(deps, purpose.sweepId, purpose.group, reading);
  return collectSessions(deps, purpose.sweepId, purpose.group, reading);
}

async function collectActionResult(
  deps: CollectDeps,
  actionId: string,
  reading: InvocationReading
): Promise<CollectResult> {
  const stored = await deps.ledger.getAction(actionId);
  if (!stored) return { kind: 'ignored', reason: `unknown action ${actionId}` };
  if (stored.instanceId !== reading.instanceId) {
    return { kind: 'ignored', reason: `action ${actionId} is not on ${reading.instanceId}` };
  }
  // The invocation carries the action's comment: the command was sent, whether or not its
  // sender lived to record it.
  const action =
    stored.status === 'planned'
      ? await recordFoundDispatch(deps, stored, {
          commandId: reading.commandId,
          sentAt: null,
          deadline: dispatchDeadline(deps, deps.clock()),
          by: 'status event',
        })
      : stored;
  if (action.status !== 'dispatched') {
    return { kind: 'ignored', reason: `action ${actionId} is already ${action.status}` };
  }
  if (action.commandId !== reading.commandId) {
    return { kind: 'ignored', reason: `action ${actionId} belongs to another command` };
  }
  const outcome = outcomeOf(reading, action.operation);
  if (outcome.status === 'pending') return { kind: 'ignored', reason: 'still pending' };
  return { kind: 'action', action: await completeFromReading(deps, action, outcome, reading) };
}

async function collectSessions(
  deps: CollectDeps,
  sweepId: string,
  groupName: string,
  reading: InvocationReading
): Promise<CollectResult> {
  const { instanceId } = reading;
  const actionsPlanned = await deps.ledger.getActionsPlanned(sweepId);
  if (actionsPlanned === null) return { kind: 'ignored', reason: `unknown sweep ${sweepId}` };
  // Status events arrive at least once: a host's listing counts once per sweep (per its command).
  const once = { shard: reading.commandId, key: instanceId };

  const failed = async (reason: string): Promise<CollectResult> => {
    deps.observer.warn('host could not list its sessions', { sweepId, instanceId, reason });
    await deps.ledger.addToSweepOnce(sweepId, once, { errors: 1 });
    return { kind: 'host-failed', sweepId, reason };
  };
  const read = listingOf(reading, 'ListSessions', sessionListingOf);
  if (read.kind === 'pending') return { kind: 'ignored', reason: 'still pending' };
  if (read.kind === 'failed') return failed(read.reason);
  const { envelope, listing: parsed } = read;
  const stale = staleListing(deps, envelope.hostTimeUtc);
  if (stale !== null) return { kind: 'ignored', reason: stale };
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
  const max = deps.policy.fleetMaxActionsPerSweep;
  const history = parsed.rows.length > 0 ? await recentActions(deps.ledger, instanceId) : [];
  const plan = await planListedSessions(deps, {
    instanceId,
    group,
    rows: parsed.rows,
    envelope,
    listing: parsed,
    history,
    fleetRemaining: max - actionsPlanned,
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
  // One write per host for the sweep record. A host with sends counts with the claim for them,
  // made by the one delivery that recorded its first send (that record is conditional), so it
  // counts once however often, or however concurrently, its listing is delivered; the others add
  // nothing. A host with nothing to send, or whose claim got nothing, counts through its listing
  // command's set of counted hosts.
  const seen = { sessionsSeen: parsed.rows.length };
  let owner = false;
  let countedByClaim = false;
  const { actions, retry } = await dispatchPlan(deps, {
    instanceId,
    trigger: { kind: 'schedule', sweepId },
    group,
    planned,
    claim: async (wanted, first) => {
      owner = first;
      const { granted } = await deps.ledger.claimSweepQuota(sweepId, {
        counter: 'actionsPlanned',
        wanted,
        max,
        add: first ? seen : undefined,
      });
      countedByClaim = first && granted > 0;
      return {
        granted,
        refused: { limit: 'fleet-limit', detail: 'fleet limit for this sweep reached' },
      };
    },
  });
  const sends = planned.some((action) => action.skip === null);
  if (!sends || (owner && !countedByClaim)) {
    await deps.ledger.addToSweepOnce(sweepId, once, seen);
  }
  if (retry) throw new RetryLaterError(`some actions for ${instanceId} could not be sent yet`);
  return { kind: 'sessions', sweepId, group: group.name, sessions: parsed.rows.length, actions };
}
