import type { Action, ActionStatus } from '../actions/model.js';
import type { Ledger } from '../ledger/ledger.js';
import type { PlannedAction, PriorNotify } from '../policy/plan.js';

/** An action in one of these has acted, or is about to: the same idle period gets no other. */
const ACTING: ReadonlySet<ActionStatus> = new Set(['planned', 'dispatched', 'succeeded']);

/**
 * The earlier action that already does what `planned` would do in the session's current idle
 * period (same session, user, logon and operation, created since the session went idle), so that a
 * second trigger (an idle event and a sweep, or two idle events) never acts twice. Actions of
 * `sameTrigger` are left to the ledger's idempotent create, which also resumes an unsent one.
 */
export function actedThisIdlePeriod(
  history: readonly Action[],
  planned: PlannedAction,
  /** Now on the ledger's clock, which the history's times were written with. */
  nowMs: number,
  sameTrigger: (action: Action) => boolean
): Action | null {
  // quser floors idle minutes: one minute of slack.
  const idleSince = nowMs - (planned.idleMinutes + 1) * 60_000;
  const user = bareName(planned.userName);
  return (
    history.find(
      (a) =>
        a.operation === planned.operation &&
        // A help desk message is not the policy's logoff warning (see `notifiesOf`).
        !(a.operation === 'notify' && a.trigger.kind === 'api') &&
        a.target.kind === 'session' &&
        a.target.sessionId === planned.sessionId &&
        bareName(a.target.expectedUser) === user &&
        (!a.target.logonTime || !planned.logonTime || a.target.logonTime === planned.logonTime) &&
        Date.parse(a.createdAt) >= idleSince &&
        ACTING.has(a.status) &&
        !sameTrigger(a)
    ) ?? null
  );
}

/**
 * The exclusion already recorded for this logon session: an excluded session is recorded as
 * `skipped` once, not again at every sweep (an excluded service account would otherwise add an
 * item per sweep for as long as it stays logged on).
 */
export function recordedExclusion(
  history: readonly Action[],
  planned: PlannedAction
): Action | null {
  if (planned.skip !== 'excluded') return null;
  const user = bareName(planned.userName);
  return (
    history.find(
      (a) =>
        a.operation === planned.operation &&
        a.status === 'skipped' &&
        a.result?.errorCode === 'policy:excluded' &&
        a.target.kind === 'session' &&
        a.target.sessionId === planned.sessionId &&
        bareName(a.target.expectedUser) === user &&
        (a.target.logonTime ?? null) === (planned.logonTime ?? null)
    ) ?? null
  );
}

export function bareName(userName: string): string {
  return userName.slice(userName.indexOf('\\') + 1).toLowerCase();
}

/** How far back a host's history is read for earlier warnings. */
const HISTORY_LIMIT = 200;

/** A host's recent actions, newest first: earlier warnings and actions of the same idle period. */
export async function recentActions(
  ledger: Pick<Ledger, 'listByHost'>,
  instanceId: string
): Promise<Action[]> {
  return (await ledger.listByHost(instanceId, { order: 'desc', limit: HISTORY_LIMIT })).items;
}

/**
 * The policy's logoff warnings among a host's actions. A message the help desk sent through the
 * API says whatever its ticket needed, not that a logoff is coming: counted as the warning, it
 * would let the policy log the user off without ever showing its own.
 */
export function notifiesOf(actions: readonly Action[]): PriorNotify[] {
  const notifies: PriorNotify[] = [];
  for (const action of actions) {
    if (action.operation !== 'notify' || action.target.kind !== 'session') continue;
    if (action.trigger.kind === 'api') continue;
    const { sessionId, expectedUser } = action.target;
    const user = bareName(expectedUser);
    notifies.push({
      sessionId,
      userName: expectedUser,
      logonTime: action.target.logonTime ?? null,
      status: action.status,
      dryRun: action.dryRun,
      at: action.timestamps.succeeded ?? action.timestamps.dispatched ?? action.createdAt,
      answered: actions.some(
        (later) =>
          later.operation === 'logoff' &&
          later.target.kind === 'session' &&
          later.target.sessionId === sessionId &&
          bareName(later.target.expectedUser) === user &&
          later.createdAt >= action.createdAt
      ),
    });
  }
  return notifies;
}
