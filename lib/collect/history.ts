import type { Action, ActionStatus } from '../actions/model.js';
import type { PlannedAction } from '../policy/plan.js';

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
