import type { Action } from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';
import { NOT_FINAL_STATUSES } from '../contract.js';
import { parseComment } from '../dispatch/comments.js';
import { completeFromReading } from '../dispatch/complete.js';
import { type DispatchDeps, dispatchDeadline } from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { recordFoundDispatch } from '../dispatch/unrecorded.js';
import { checkIdleSession, type IdleCheckResult } from '../idle/check.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Policy } from '../policy/schema.js';
import { CommandNotFoundError, InvocationNotFoundError } from '../ssm/errors.js';
import { outcomeOf } from '../ssm/outcome.js';
import { DEFAULT_MISSING_RETRY_MS, type InvocationReading, readInvocation } from '../ssm/read.js';
import { examineSessions, type ListingToSend, settleListings } from './sessions.js';
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
  const examined = await examineInvocation(deps, input);
  if (examined.kind !== 'to-send') return examined;
  const [settled] = await settleListings(deps, [examined]);
  if (!settled) throw new Error('a settled listing went missing');
  if (!settled.ok) throw settled.error;
  return settled.result;
}

/**
 * {@link handleInvocationStatus} but for a sweep's listing, which stops once its actions are
 * recorded and returns them to send: a batch of status records settles all of its listings
 * together with {@link settleListings}, one budget claim per sweep where each host made one.
 */
export async function examineInvocation(
  deps: CollectDeps,
  input: InvocationStatusInput
): Promise<CollectResult | ListingToSend> {
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
  return examineSessions(deps, purpose.sweepId, purpose.group, reading);
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
  if (isTerminal(action.status) && action.commandId === reading.commandId) {
    // A repeat of the record that ended it (SQS redelivers a record whose put failed, or whose
    // invocation died after the write): its outcome may never have gone out.
    await deps.ledger.publishTerminal(action);
  }
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
