import type { Action, ActionResult, ActionTrigger, NewAction } from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';
import { InvalidLedgerInputError, StaleTransitionError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SweepCount } from '../ledger/sweeps.js';
import { hostGuard } from '../policy/guard.js';
import { type PlannedAction, reskip } from '../policy/plan.js';
import type { ResolvedGroup } from '../policy/schema.js';
import type { PlannedShellEnd } from '../policy/shells.js';
import { DispatchError } from '../ssm/errors.js';
import { outcomeOfSendError } from '../ssm/outcome.js';
import { toHostParameters } from '../ssm/parameters.js';
import { sendOperation } from '../ssm/send.js';
import { actionComment } from './comments.js';
import { completeAction } from './complete.js';
import type { SendSettings } from './settings.js';
import { type FoundCommand, findCommandSentFor, recordFoundDispatch } from './unrecorded.js';

export interface DispatchDeps extends SendSettings {
  ledger: Pick<
    Ledger,
    | 'createAction'
    | 'markDispatched'
    | 'complete'
    | 'publishTerminal'
    | 'leaseResume'
    | 'releaseResume'
  >;
}

/** What a policy plans for one host: session actions, or the ends of remote shells. */
export type Plan = PlannedAction | PlannedShellEnd;

export interface PlanDispatch {
  instanceId: string;
  trigger: ActionTrigger;
  group: ResolvedGroup;
  planned: readonly Plan[];
  /** When the host produced the listing the plan was made from (its `hostTimeUtc`). */
  listedAt: string;
  /**
   * Grants up to `wanted` sends (the blast-radius budget: the sweep's fleet limit, or an idle
   * event's host and fleet limits per window); absent: no budget. Asked only for actions this call
   * records for the first time. `first`: this call recorded the plan's first send, which exactly
   * one of several deliveries of the same plan does.
   */
  claim?: (wanted: number, first: boolean) => Promise<QuotaGrant>;
  /**
   * A sweep's listing within its allowance (`upTo` sends, see `SweepAllowance`): a plan of at
   * most that many sends asks no claim. The delivery that records its first send counts it on the
   * actions' items (the host's `sessionsSeen` on the first, one `actionsPlanned` on each); any
   * other delivery claims what it records, as without an allowance.
   */
  allowance?: { upTo: number; sessionsSeen?: number };
}

/** What a budget allows of the sends asked for, and why it refuses the rest. */
export interface QuotaGrant {
  granted: number;
  refused: { limit: 'host-limit' | 'fleet-limit'; detail: string };
}

/** What one attempt to send an action came to. */
export interface SendAttempt {
  action: Action;
  /** SendCommand failed for now; the action stays `planned`. */
  retry: boolean;
  /** Why SendCommand failed (the action ended, or `retry`); `null` when it was sent. */
  failure: ActionResult | null;
}

export interface PlanDispatchResult {
  /** Every action of the plan, as it is after this call. */
  actions: Action[];
  /** Something could not be sent for a passing reason (throttling): deliver the event again. */
  retry: boolean;
}

/** Slack on top of SSM's own timeouts before reconcile treats a dispatched action as overdue. */
const OVERDUE_MARGIN_SECONDS = 60;

/**
 * How long before its planned deadline a planned action is no longer sent: reconcile decides
 * "never sent" only after that deadline, so a send must have reached SSM by then. It bounds the
 * time from the check to SSM accepting SendCommand (retries included), which the function's own
 * timeout (60 s for command-status) bounds too.
 */
const SEND_CUTOFF_SECONDS = 60;

/**
 * Seconds until an action counts as overdue: for a dispatched one, from its dispatch (SSM's
 * delivery and execution timeouts plus a margin); for a planned one, from its creation.
 */
export function overdueAfterSeconds(
  deps: Pick<DispatchDeps, 'deliveryTimeoutSeconds' | 'executionTimeoutSeconds'>
): number {
  return deps.deliveryTimeoutSeconds + deps.executionTimeoutSeconds + OVERDUE_MARGIN_SECONDS;
}

/** The dispatch deadline of a command sent (or found sent) at `sentAt`. */
export function dispatchDeadline(
  deps: Pick<DispatchDeps, 'deliveryTimeoutSeconds' | 'executionTimeoutSeconds'>,
  sentAt: Date
): Date {
  return new Date(sentAt.getTime() + overdueAfterSeconds(deps) * 1000);
}

/** A host's plan with its sends recorded: what a budget is asked for before anything is sent. */
export interface RecordedPlan {
  input: PlanDispatch;
  sends: Recorded[];
  /** Sends this call recorded for the first time: the only ones a budget is asked for. */
  fresh: number;
  /** This call recorded the plan's first send, which exactly one of several deliveries does. */
  first: boolean;
  /** This call counted its sends (and the host) on their items, within the allowance: no claim. */
  counted: boolean;
}

interface Recorded {
  plan: Plan;
  action: Action;
  /** This call recorded it. */
  fresh: boolean;
}

/**
 * Records a host's planned actions (idempotently: a repeated event finds the same actions), sends
 * the ones to send, and ends the others as `skipped` with the policy's reason. An action a
 * previous attempt recorded but did not record as sent is sent now, unless SSM shows that
 * attempt did send it.
 */
export async function dispatchPlan(
  deps: DispatchDeps,
  input: PlanDispatch
): Promise<PlanDispatchResult> {
  const recorded = await recordPlan(deps, input);
  const grant =
    input.claim && recorded.fresh > 0 && !recorded.counted
      ? await input.claim(recorded.fresh, recorded.first)
      : noBudget(recorded.fresh);
  return sendPlan(deps, recorded, grant);
}

/** A grant of every send asked for, where no budget applies. */
export function noBudget(wanted: number): QuotaGrant {
  return { granted: wanted, refused: { limit: 'fleet-limit', detail: '' } };
}

/** The first half of {@link dispatchPlan}: the plan's sends recorded, nothing sent. */
export async function recordPlan(deps: DispatchDeps, input: PlanDispatch): Promise<RecordedPlan> {
  const toSend = input.planned.filter((plan) => plan.skip === null);
  const within =
    input.allowance !== undefined && toSend.length <= input.allowance.upTo
      ? input.allowance
      : undefined;
  const sends = await record(deps, input, toSend, within);
  const first = sends[0]?.fresh === true;
  return {
    input,
    sends,
    fresh: sends.filter((r) => r.fresh).length,
    first,
    counted: first && within !== undefined,
  };
}

/**
 * The second half of {@link dispatchPlan}: the plan's other actions recorded, then each sent or
 * ended. Of the fresh sends, those past what `grant` allows end `skipped` with its reason.
 */
export async function sendPlan(
  deps: DispatchDeps,
  recorded: RecordedPlan,
  grant: QuotaGrant
): Promise<PlanDispatchResult> {
  const { input } = recorded;
  // A host limit the plan applied holds only if the host got that many: when the budget refused
  // some of its sends, the plans held back for the host limit were held back by the budget.
  const budgetShort = grant.granted < recorded.fresh;
  const held = input.planned
    .filter((plan) => plan.skip !== null)
    .map((plan) =>
      budgetShort && plan.skip === 'host-limit'
        ? reskip(plan, grant.refused.limit, grant.refused.detail)
        : plan
    );
  const all = [...recorded.sends, ...(await record(deps, input, held))];

  const actions: Action[] = [];
  let retry = false;
  let sendsSeen = 0;
  for (const { plan, action, fresh } of all) {
    if (action.status !== 'planned') {
      // A repeated plan (a redelivered listing, a retried idle check) may be the retry of the one
      // that ended it and whose put failed: its outcome goes out again.
      if (isTerminal(action.status)) await deps.ledger.publishTerminal(action);
      actions.push(action);
      continue;
    }
    let skip: { code: string; excerpt: string } | null =
      plan.skip === null ? null : { code: `policy:${plan.skip}`, excerpt: plan.reason };
    if (skip === null && fresh && sendsSeen++ >= grant.granted) {
      skip = { code: `policy:${grant.refused.limit}`, excerpt: grant.refused.detail };
    }
    if (fresh) deps.observer.planned(action, skip === null ? 'send' : 'skip');
    if (skip !== null) {
      const result = { exitCode: null, errorCode: skip.code, excerpt: skip.excerpt };
      actions.push(await completeAction(deps, action, 'skipped', result));
      continue;
    }
    const sent = fresh
      ? await dispatchAction(deps, action, input.listedAt)
      : await resumeAction(deps, action, input.listedAt);
    retry ||= sent.retry;
    actions.push(sent.action);
  }
  return { actions, retry };
}

/**
 * Records planned actions idempotently (`fresh`: this call recorded it), in order. `counting`:
 * the first one carries the host's count, and if this call recorded it, each after it one planned
 * send; if another delivery had, this call counts nothing on them.
 */
async function record(
  deps: DispatchDeps,
  input: PlanDispatch,
  plans: readonly Plan[],
  counting?: { sessionsSeen?: number }
): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  for (const plan of plans) {
    const sweepCount = counting && countOnNext(counting, recorded[0]);
    try {
      const { action, alreadyExisted } = await deps.ledger.createAction(
        toNewAction(plan, input.instanceId, input.trigger, input.group),
        {
          plannedGraceSeconds: overdueAfterSeconds(deps),
          resumeLeaseSeconds: plan.skip === null ? RESUME_LEASE_SECONDS : undefined,
          sweepCount,
        }
      );
      recorded.push({ plan, action, fresh: !alreadyExisted });
    } catch (error) {
      // A session the ledger cannot describe (a name quser mangled) must not stop the others.
      if (!(error instanceof InvalidLedgerInputError)) throw error;
      deps.observer.warn('planned action refused by the ledger', {
        instanceId: input.instanceId,
        ...(plan.operation === 'end-shell'
          ? { shellId: plan.shellId }
          : { sessionId: plan.sessionId }),
        error: error.message,
      });
    }
  }
  return recorded;
}

/** What the next record carries of its listing's count, given the first record so far. */
function countOnNext(
  counting: { sessionsSeen?: number },
  first: Recorded | undefined
): SweepCount | undefined {
  if (first === undefined) {
    const { sessionsSeen } = counting;
    return sessionsSeen === undefined ? { actionsPlanned: 1 } : { sessionsSeen, actionsPlanned: 1 };
  }
  // Another delivery recorded the first: it counted the host, and this one claims what it adds.
  return first.fresh ? { actionsPlanned: 1 } : undefined;
}

/** The host's spelling of the state a shell was planned in. */
const SHELL_STATE_NAME: Record<string, 'Connected' | 'Disconnected'> = {
  connected: 'Connected',
  disconnected: 'Disconnected',
};

export function toNewAction(
  plan: Plan,
  instanceId: string,
  trigger: ActionTrigger,
  group: ResolvedGroup
): NewAction {
  if (plan.operation === 'end-shell') {
    return {
      operation: plan.operation,
      instanceId,
      target: {
        kind: 'shell',
        shellId: plan.shellId,
        expectedOwner: plan.owner,
        expectedState: SHELL_STATE_NAME[plan.state ?? 'unknown'] ?? null,
        minInactiveMinutes: plan.minInactiveMinutes,
      },
      trigger,
      reason: plan.reason,
      policy: group.name,
      dryRun: group.dryRun,
    };
  }
  return {
    operation: plan.operation,
    instanceId,
    target: {
      kind: 'session',
      sessionId: plan.sessionId,
      expectedUser: plan.domain ? `${plan.domain}\\${plan.userName}` : plan.userName,
      logonTime: plan.logonTime,
      ...hostGuard(plan, group),
    },
    trigger,
    reason: plan.reason,
    policy: group.name,
    message: plan.message,
    warnSeconds: plan.warnSeconds,
    dryRun: group.dryRun,
  };
}

/**
 * How long a sender (the creator, or a resumer) holds the right to send: longer than the functions
 * that send may run (60 s for command-status, 29 s for the API), so a lease runs out only once its
 * holder has finished or died, and the next resumer's look at SSM then sees any command it sent.
 */
export const RESUME_LEASE_SECONDS = 90;

/**
 * A planned action a previous attempt recorded: that attempt may have died after SendCommand and
 * before recording it, or may still be sending. SSM is asked first, and a command it holds is
 * recorded. Only the caller holding the resume lease (taken here; the creator holds it from the
 * creation) may send one SSM does not hold, so of concurrent resumers at most one sends; the
 * others leave the action as it is and say `retry`.
 */
export async function resumeAction(
  deps: DispatchDeps,
  action: Action,
  listedAt?: string
): Promise<SendAttempt> {
  const leased = await deps.ledger.leaseResume(action.id, { leaseSeconds: RESUME_LEASE_SECONDS });
  let found: FoundCommand | null;
  try {
    found = await findCommandSentFor(deps, action);
  } catch (error) {
    if (!(error instanceof DispatchError)) throw error;
    deps.observer.warn('cannot tell whether a planned action was sent; it stays planned', {
      actionId: action.id,
      instanceId: action.instanceId,
      error: error.message,
    });
    if (leased) await deps.ledger.releaseResume(action.id);
    return { action, retry: true, failure: null };
  }
  if (found !== null) {
    const dispatched = await recordFoundDispatch(deps, action, {
      commandId: found.commandId,
      sentAt: found.requestedAt,
      deadline: dispatchDeadline(deps, found.requestedAt ?? deps.clock()),
      by: 'repeated delivery',
    });
    return { action: dispatched, retry: false, failure: null };
  }
  if (!leased) {
    deps.observer.info('another caller holds the right to send this planned action', {
      actionId: action.id,
      instanceId: action.instanceId,
    });
    return { action, retry: true, failure: null };
  }
  return dispatchAction(deps, action, listedAt);
}

/**
 * How long SSM may hold a session action for an unreachable agent: a plan is a picture of the
 * session at one moment, and a command delivered minutes later meets whatever the session has
 * become. The host's guards refuse a changed session; this makes a stale plan die young.
 */
export const SESSION_ACTION_DELIVERY_TIMEOUT_SECONDS = 60;

function sessionActionDeps(deps: DispatchDeps, action: Action): DispatchDeps {
  // A shell is acted on as a session is: now or not at all, never when its client is back.
  if (action.target.kind !== 'session' && action.target.kind !== 'shell') return deps;
  return {
    ...deps,
    deliveryTimeoutSeconds: Math.min(
      deps.deliveryTimeoutSeconds,
      SESSION_ACTION_DELIVERY_TIMEOUT_SECONDS
    ),
  };
}

/**
 * A listing older than this describes sessions that may have moved on (the user reconnected or
 * came back): the host guard checks only the user, so acting on it could log off someone working.
 * It holds when the listing is read (a late or redriven status event) and again at the send, which
 * may come up to a function's timeout later (the history, the record, the budget and SendCommand
 * all retry with backoff). The same bound as for `Session Idle` events.
 */
export const MAX_LISTING_AGE_MS = 15 * 60_000;

/** How old the listing of `listedAt` is now. */
export function listingAgeMs(deps: { clock: () => Date }, listedAt: string): number {
  return deps.clock().getTime() - Date.parse(listedAt);
}

/**
 * Sends one planned action and records the dispatch. A send SSM refuses for good ends the action
 * (`failed`, `undeliverable`); a passing failure leaves it `planned` and says `retry`. An action
 * this close to its planned deadline is left to reconcile, which alone may then say whether it
 * was ever sent: a send racing that check could act on a host after the ledger said "not sent".
 * One planned from a listing (`listedAt`) that is now past {@link MAX_LISTING_AGE_MS} is not sent
 * but `skipped` (`stale-listing`): the caller holds the right to send it, so no one else does, and
 * the next sweep lists the host afresh.
 */
export async function dispatchAction(
  deps: DispatchDeps,
  action: Action,
  listedAt?: string
): Promise<SendAttempt> {
  if (
    action.deadline !== null &&
    deps.clock().getTime() >= Date.parse(action.deadline) - SEND_CUTOFF_SECONDS * 1000
  ) {
    deps.observer.warn('planned action too old to send; reconcile will settle it', {
      actionId: action.id,
      instanceId: action.instanceId,
      deadline: action.deadline,
    });
    return { action, retry: false, failure: null };
  }
  if (listedAt !== undefined && listingAgeMs(deps, listedAt) > MAX_LISTING_AGE_MS) {
    const result = {
      exitCode: null,
      errorCode: 'stale-listing',
      excerpt: `not sent: sessions listed at ${listedAt}, more than ${MAX_LISTING_AGE_MS / 60_000} min ago`,
    };
    return {
      action: await completeAction(deps, action, 'skipped', result),
      retry: false,
      failure: null,
    };
  }
  // What the send was decided on, for the trail and for the chaos suite's staleness check.
  const listingAgeAtSendMs = listedAt === undefined ? null : listingAgeMs(deps, listedAt);
  let commandId: string;
  try {
    ({ commandId } = await sendOperation(sessionActionDeps(deps, action), {
      instanceIds: [action.instanceId],
      parameters: toHostParameters(action),
      comment: actionComment(action.id),
    }));
  } catch (error) {
    const outcome = outcomeOfSendError(error);
    if (outcome.status === 'retry') {
      deps.observer.warn('send failed for now; the action stays planned', {
        actionId: action.id,
        instanceId: action.instanceId,
        error: outcome.result.excerpt,
      });
      // The next attempt (a redelivery, a repeated request) may resume it at once.
      await deps.ledger.releaseResume(action.id);
      return { action, retry: true, failure: outcome.result };
    }
    const done = await completeAction(deps, action, outcome.status, outcome.result);
    return { action: done, retry: false, failure: outcome.result };
  }
  const deadline = dispatchDeadline(deps, deps.clock());
  try {
    const dispatched = await deps.ledger.markDispatched(action, { commandId, deadline });
    deps.observer.info('action dispatched', {
      actionId: action.id,
      instanceId: action.instanceId,
      operation: action.operation,
      commandId,
      listedAt: listedAt ?? null,
      listingAgeAtSendMs,
    });
    return { action: dispatched, retry: false, failure: null };
  } catch (error) {
    // A concurrent delivery of the same event sent it too; the host's guard makes the second
    // command a no-op (the session no longer matches), and the first record wins.
    if (error instanceof StaleTransitionError) {
      return { action: error.current, retry: false, failure: null };
    }
    throw error;
  }
}
