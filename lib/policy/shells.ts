import type { RemoteShell } from '../windows/shells.js';
import { skipped, withinLimits } from './limits.js';
import { activeQuietWindow, hostLocalTime } from './quiet-hours.js';
import type { ResolvedGroup } from './schema.js';
import { matchExclusion } from './users.js';

/**
 * A host's WinRM shells + its policy group → the shells to end. Pure and deterministic. Never
 * plans for a shell whose inactivity is unknown, or whose owner or (for the disconnected rule)
 * state the host did not show; the policy's user exclusions and `shells.exclude.owners` both
 * protect an owner; quiet hours, dry run and the fleet limit apply as for sessions, and the
 * host limit bounds the shell ends alone (the session listing plans apart, with its own).
 */

export type ShellSkipReason = 'excluded' | 'quiet-hours' | 'dry-run' | 'host-limit' | 'fleet-limit';

export interface PlannedShellEnd {
  operation: 'end-shell';
  shellId: string;
  owner: string;
  state: RemoteShell['state'];
  inactiveMinutes: number;
  childProcesses: number | null;
  /** The threshold it crossed: the host must still see the shell inactive this long. */
  minInactiveMinutes: number;
  /** Human-readable, including why it is skipped when it is. */
  reason: string;
  /** `null`: send it. Otherwise it is recorded as `skipped` for this reason. */
  skip: ShellSkipReason | null;
}

export interface ShellPlanInput {
  group: ResolvedGroup;
  shells: readonly RemoteShell[];
  /** The host's clock when it listed them (ISO 8601 UTC). */
  observedAt: string;
  utcOffsetMinutes: number;
  /** Actions the fleet may still send in this sweep. */
  fleetRemaining: number;
}

/**
 * Whether a sweep lists the group's shells: only where a threshold is set, since without one
 * nothing could be planned (not even an exclusion recorded) and the listing would go unread.
 */
export function listsShells(group: ResolvedGroup): boolean {
  const settings = group.shells;
  return (
    settings !== null &&
    (settings.endDisconnectedAfterMinutes !== null || settings.endIdleAfterMinutes !== null)
  );
}

function decide(shell: RemoteShell, group: ResolvedGroup): PlannedShellEnd | null {
  const settings = group.shells;
  if (settings === null || shell.inactivitySeconds === null || shell.owner === null) return null;
  const minutes = Math.floor(shell.inactivitySeconds / 60);
  const policy = `policy '${group.name}'`;
  const what = `${shell.kind ?? 'shell'} shell of ${shell.owner}`;
  const base = {
    operation: 'end-shell',
    shellId: shell.shellId,
    owner: shell.owner,
    state: shell.state,
    inactiveMinutes: minutes,
    childProcesses: shell.childProcesses,
    skip: null,
  } as const;
  const disconnectedAt = settings.endDisconnectedAfterMinutes;
  // PowerShell's own Get-PSSession dates a disconnect as now − ShellInactivity.
  if (shell.state === 'disconnected' && disconnectedAt !== null && minutes >= disconnectedAt) {
    return {
      ...base,
      minInactiveMinutes: disconnectedAt,
      reason: `${what} disconnected, inactive ${minutes} min ≥ ${disconnectedAt} min (${policy})`,
    };
  }
  const idleAt = settings.endIdleAfterMinutes;
  if (idleAt !== null && minutes >= idleAt) {
    return {
      ...base,
      minInactiveMinutes: idleAt,
      reason: `${what} ${shell.state ?? 'in an unknown state'}, inactive ${minutes} min ≥ ${idleAt} min (${policy})`,
    };
  }
  return null;
}

export function planShells(input: ShellPlanInput): PlannedShellEnd[] {
  const { group } = input;
  const local = hostLocalTime(input.observedAt, input.utcOffsetMinutes);
  const quiet = activeQuietWindow(group.quietHours, local);
  const owners = [...group.excludedUsers, ...(group.shells?.exclude.owners ?? [])];
  const candidates: PlannedShellEnd[] = [];
  const held: PlannedShellEnd[] = [];
  for (const shell of input.shells) {
    const plan = decide(shell, group);
    if (plan === null) continue;
    const excludedBy = matchExclusion({ userName: plan.owner }, owners);
    if (excludedBy !== null)
      held.push(skipped(plan, 'excluded', `owner matches exclusion '${excludedBy}'`));
    else if (quiet)
      held.push(
        skipped(plan, 'quiet-hours', `quiet hours ${quiet.start}–${quiet.end} (host ${local.text})`)
      );
    else candidates.push(plan);
  }
  // Longest inactive first: the blast-radius limit spares the most recently used shells.
  candidates.sort(
    (a, b) => b.inactiveMinutes - a.inactiveMinutes || (a.shellId < b.shellId ? -1 : 1)
  );
  const planned = withinLimits(candidates, group, input.fleetRemaining);
  return [...planned, ...held];
}
