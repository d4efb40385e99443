import { ACTION_STATUSES, type ActionStatus } from './model.js';

/**
 * Every legal status move, as data. A SendCommand that fails outright (e.g. InvalidInstanceId)
 * ends a planned action without a dispatch; `skipped` after a dispatch means the host's guard
 * refused, so nothing was done. Terminal statuses have no way out.
 */
export const TRANSITIONS = {
  planned: ['dispatched', 'skipped', 'failed', 'undeliverable', 'cancelled'],
  dispatched: ['succeeded', 'failed', 'timed_out', 'undeliverable', 'cancelled', 'skipped'],
  succeeded: [],
  failed: [],
  timed_out: [],
  undeliverable: [],
  cancelled: [],
  skipped: [],
} as const satisfies Record<ActionStatus, readonly ActionStatus[]>;

/** A status with no way out. */
export type TerminalStatus = {
  [S in ActionStatus]: (typeof TRANSITIONS)[S] extends readonly [] ? S : never;
}[ActionStatus];

export const TERMINAL_STATUSES: readonly TerminalStatus[] = ACTION_STATUSES.filter(
  (status): status is TerminalStatus => TRANSITIONS[status].length === 0
);

export function canTransition(from: ActionStatus, to: ActionStatus): boolean {
  return (TRANSITIONS[from] as readonly ActionStatus[]).includes(to);
}

export function isTerminal(status: ActionStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly ActionStatus[]).includes(status);
}

/** The statuses an action may be in for a move to `to` to be legal (empty: never legal). */
export function sourcesOf(to: ActionStatus): ActionStatus[] {
  return (Object.keys(TRANSITIONS) as ActionStatus[]).filter((from) => canTransition(from, to));
}
