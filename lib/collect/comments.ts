/**
 * The SendCommand `Comment` says what a command is for. GetCommandInvocation returns it, so a
 * status event can be tied to its sweep (and the host's policy group) or its action without a
 * lookup, and without trusting anything from the event itself.
 */

export type CommandPurpose =
  | { kind: 'sweep'; sweepId: string; group: string }
  | { kind: 'action'; actionId: string };

const SWEEP = /^sj:sweep:([\w.:@+=-]{1,64});g:([A-Za-z0-9][A-Za-z0-9._-]{0,39})$/;
const ACTION = /^sj:act:(act_[a-z2-7]{26})$/;

export function sweepComment(sweepId: string, group: string): string {
  return `sj:sweep:${sweepId};g:${group}`;
}

export function actionComment(actionId: string): string {
  return `sj:act:${actionId}`;
}

/** `null` for a comment session-janitor did not write. */
export function parseComment(comment: string): CommandPurpose | null {
  const sweep = SWEEP.exec(comment);
  if (sweep?.[1] && sweep[2]) return { kind: 'sweep', sweepId: sweep[1], group: sweep[2] };
  const action = ACTION.exec(comment);
  if (action?.[1]) return { kind: 'action', actionId: action[1] };
  return null;
}
