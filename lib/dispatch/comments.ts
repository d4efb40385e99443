import { createHash } from 'node:crypto';
import { bareName } from './history.js';

/**
 * The SendCommand `Comment` says what a command is for. GetCommandInvocation returns it, so a
 * status event can be tied to its sweep (and the host's policy group), its action or the idle
 * event it checks without a lookup, and without trusting anything from the event itself.
 */

/**
 * A `ListSessions` sent because a `Session Idle` event named this session: only that session, and
 * only while it still belongs to the user the event named, may be acted on.
 */
export interface IdleCheckPurpose {
  kind: 'idle';
  /** The event id, lower case (EventBridge ids are UUIDs). */
  eventId: string;
  group: string;
  sessionId: number;
  /** {@link userTagOf} the event's user: the whole name does not fit in 100 characters. */
  userTag: string;
}

export type CommandPurpose =
  | { kind: 'sweep'; sweepId: string; group: string }
  /** A sweep's `ListShells`, sent to the hosts whose group has a `shells` policy. */
  | { kind: 'shells'; sweepId: string; group: string }
  | { kind: 'action'; actionId: string }
  | IdleCheckPurpose;

const SWEEP = /^sj:sweep:([\w.:@+=-]{1,64});g:([A-Za-z0-9][A-Za-z0-9._-]{0,39})$/;
const SHELLS = /^sj:shells:([\w.:@+=-]{1,64});g:([A-Za-z0-9][A-Za-z0-9._-]{0,39})$/;
const ACTION = /^sj:act:(act_[a-z2-7]{26})$/;
// The longest is exactly 100 characters: 32 hex digits of the event id, a 40-character group,
// session 65535 and a 6-character user tag.
const IDLE =
  /^sj:idle:([0-9a-f]{32});g:([A-Za-z0-9][A-Za-z0-9._-]{0,39});s:(\d{1,5});u:([\w-]{6})$/;

export function sweepComment(sweepId: string, group: string): string {
  return `sj:sweep:${sweepId};g:${group}`;
}

export function shellsComment(sweepId: string, group: string): string {
  return `sj:shells:${sweepId};g:${group}`;
}

export function actionComment(actionId: string): string {
  return `sj:act:${actionId}`;
}

export function idleCheckComment(check: Omit<IdleCheckPurpose, 'kind'>): string {
  const id = check.eventId.toLowerCase().replaceAll('-', '');
  return `sj:idle:${id};g:${check.group};s:${check.sessionId};u:${check.userTag}`;
}

/**
 * 36 bits of the SHA-256 of the account name without its domain, case-folded as Windows compares
 * names: enough to tell the event's user from whoever has the session id now.
 */
export function userTagOf(userName: string): string {
  return createHash('sha256').update(bareName(userName)).digest('base64url').slice(0, 6);
}

/**
 * Whether a command's comment names this action: only such a command's result may complete it,
 * whatever command id the ledger recorded.
 */
export function namesAction(comment: string, actionId: string): boolean {
  const purpose = parseComment(comment);
  return purpose?.kind === 'action' && purpose.actionId === actionId;
}

/** `null` for a comment session-janitor did not write. */
export function parseComment(comment: string): CommandPurpose | null {
  const sweep = SWEEP.exec(comment);
  if (sweep?.[1] && sweep[2]) return { kind: 'sweep', sweepId: sweep[1], group: sweep[2] };
  const shells = SHELLS.exec(comment);
  if (shells?.[1] && shells[2]) return { kind: 'shells', sweepId: shells[1], group: shells[2] };
  const action = ACTION.exec(comment);
  if (action?.[1]) return { kind: 'action', actionId: action[1] };
  const idle = IDLE.exec(comment);
  if (idle?.[1] && idle[2] && idle[3] && idle[4] && Number(idle[3]) <= 65_535) {
    const hex = idle[1];
    return {
      kind: 'idle',
      eventId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      group: idle[2],
      sessionId: Number(idle[3]),
      userTag: idle[4],
    };
  }
  return null;
}
