import type { Action } from '../actions/model.js';
import { actionSchema } from '../actions/schema.js';
import { CorruptItemError } from './errors.js';

/** Key and index attributes: ledger bookkeeping, never part of an Action. */
const BOOKKEEPING = new Set([
  'pk',
  'sk',
  'type',
  'fingerprint',
  'expiresAt',
  'resumeLease',
  // What a sweep's host listing counted on the action it recorded (see SweepActions.counted).
  'sweepCount',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'gsi4pk',
  'gsi4sk',
  'gsi5pk',
  'gsi5sk',
  'userKeys',
]);

export const ACTION_SK = 'ACTION';
export const SWEEP_SK = 'SWEEP';
/**
 * The one partition of `byDeadline`: present while an action is open, and after a completion by
 * reconcile until its outcome is published (`unlistOverdue`).
 */
export const OPEN_PARTITION = 'OPEN';

export const actionPk = (id: string) => `ACTION#${id}`;
export const sweepPk = (id: string) => `SWEEP#${id}`;
export const hostPartition = (instanceId: string) => `HOST#${instanceId}`;
export const ticketPartition = (ticketId: string) => `TICKET#${ticketId}`;
/** A user's name without its domain, lowercased: `CORP\\Alice` → `alice`. */
export const bareUser = (userName: string) =>
  userName.slice(userName.indexOf('\\') + 1).toLowerCase();
/** A user's partition on `byUser`: by the bare name, as a bare name matches every domain. */
export const userPartition = (userName: string) => `USER#${bareUser(userName)}`;
/** A sweep's own actions on `byTicket`. */
export const sweepActionsPartition = (sweepId: string) => `SWEEP#${sweepId}`;
/** Every sweep's entry on `byTicket`, so that sweeps list newest first. */
export const SWEEPS_PARTITION = 'SWEEPS';
export const affectedSk = (userName: string) => `AFFECTED#${userName.toLowerCase()}`;
export const commandPartition = (commandId: string, instanceId: string) =>
  `CMD#${commandId}#${instanceId}`;

export function actionFromItem(item: Record<string, unknown>): Action {
  const fields = Object.fromEntries(Object.entries(item).filter(([k]) => !BOOKKEEPING.has(k)));
  const parsed = actionSchema.safeParse(fields);
  if (!parsed.success) throw new CorruptItemError(item.pk, { cause: parsed.error });
  return parsed.data;
}

export function epochSeconds(at: Date, plusDays: number): number {
  return Math.floor(at.getTime() / 1000) + plusDays * 86_400;
}
