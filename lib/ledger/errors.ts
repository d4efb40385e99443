import type { Action, ActionStatus } from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';

/** Base class of every error the ledger throws on purpose. */
export class LedgerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

/** An input (action, sweep, page size, counter) failed validation; nothing was written. */
export class InvalidLedgerInputError extends LedgerError {
  readonly issues: string[];
  constructor(message: string, issues: string[], options?: ErrorOptions) {
    super(`${message}: ${issues.join('; ')}`, options);
    this.name = 'InvalidLedgerInputError';
    this.issues = issues;
  }
}

/** The same action id already holds a different request (HTTP 409). */
export class ActionConflictError extends LedgerError {
  readonly existing: Action;
  constructor(existing: Action, options?: ErrorOptions) {
    super(
      `action ${existing.id} already exists with a different request (same ticket, operation and target)`,
      options
    );
    this.name = 'ActionConflictError';
    this.existing = existing;
  }
}

/**
 * The action was not in a status from which `to` is legal: a duplicate, late or out-of-order
 * delivery. `current` is the action as it is now, so callers can log "already done".
 */
export class StaleTransitionError extends LedgerError {
  readonly current: Action;
  readonly to: ActionStatus;
  constructor(current: Action, to: ActionStatus, options?: ErrorOptions) {
    super(`action ${current.id} is ${current.status}: cannot move to ${to}`, options);
    this.name = 'StaleTransitionError';
    this.current = current;
    this.to = to;
  }

  /** True when nothing can move the action any more (the usual "already done"). */
  get alreadyTerminal(): boolean {
    return isTerminal(this.current.status);
  }
}

export class ActionNotFoundError extends LedgerError {
  readonly actionId: string;
  constructor(actionId: string, options?: ErrorOptions) {
    super(`action ${actionId} does not exist`, options);
    this.name = 'ActionNotFoundError';
    this.actionId = actionId;
  }
}

export class SweepNotFoundError extends LedgerError {
  readonly sweepId: string;
  constructor(sweepId: string, options?: ErrorOptions) {
    super(`sweep ${sweepId} does not exist`, options);
    this.name = 'SweepNotFoundError';
    this.sweepId = sweepId;
  }
}

/** A page cursor that this ledger did not issue for this very query. */
export class InvalidCursorError extends LedgerError {
  constructor(reason: string, options?: ErrorOptions) {
    super(`invalid cursor: ${reason}`, options);
    this.name = 'InvalidCursorError';
  }
}

/** An item the ledger cannot read back as what it claims to be (written by something else). */
export class CorruptItemError extends LedgerError {
  constructor(pk: unknown, options?: ErrorOptions) {
    super(`ledger item ${String(pk)} is not a valid record`, options);
    this.name = 'CorruptItemError';
  }
}
