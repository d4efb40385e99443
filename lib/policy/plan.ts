import type { ActionStatus } from '../actions/model.js';
import type { QuserSession } from '../windows/types.js';
import { skipped, withinLimits } from './limits.js';
import { activeQuietWindow, hostLocalTime } from './quiet-hours.js';
import type { ResolvedGroup } from './schema.js';
import { matchExclusion } from './users.js';

/** One session as the policy sees it: a `quser` row, optionally with the user's domain. */
export type SessionView = Pick<
  QuserSession,
  'id' | 'userName' | 'sessionName' | 'state' | 'idleMinutes' | 'logonTime'
> & {
  domain?: string | null;
  /**
   * How long a disconnected session has been disconnected, and by whose account. Absent or
   * `null`: unknown, and an unknown disconnect never yields a logoff. quser's idle time is not
   * it: it counts from the last input, which may be long before the disconnect.
   */
  disconnected?: DisconnectedFor | null;
};

/** Where a disconnected session's clock started (see `lib/collect/disconnected.ts`). */
export interface DisconnectedFor {
  minutes: number;
  /** ISO 8601 UTC. */
  since: string;
  /**
   * `ledger`: our own disconnect of this logon; `host`: the host's WTS DisconnectTime;
   * `first-seen`: the first listing that showed it disconnected; `idle-bound`: an idle event's
   * idle time, an upper bound used only to decide whether the host is worth asking.
   */
  source: 'ledger' | 'host' | 'first-seen' | 'idle-bound';
}

const SOURCE_TEXT: Record<DisconnectedFor['source'], string> = {
  ledger: 'since our disconnect at',
  host: "since the host's disconnect time",
  'first-seen': 'since first seen disconnected at',
  'idle-bound': 'at most, idle since',
};

/** An earlier warning to a session, from the ledger (host history). */
export interface PriorNotify {
  sessionId: number;
  userName: string;
  logonTime: string | null;
  status: ActionStatus;
  dryRun: boolean;
  /** When the message went up (or, in a dry run, when it was planned). ISO 8601 UTC. */
  at: string;
  /** A logoff of that session (sent or skipped) was recorded after it: the warning is settled. */
  answered: boolean;
}

export const SKIP_REASONS = [
  'excluded',
  'quiet-hours',
  'dry-run',
  'host-limit',
  'fleet-limit',
  'user-active',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type PlannedOperation = 'disconnect' | 'logoff' | 'notify';

export interface PlannedAction {
  operation: PlannedOperation;
  sessionId: number;
  userName: string;
  domain: string | null;
  logonTime: string | null;
  /** The state the session was planned in: the host must still see it (see `hostGuard`). */
  state: SessionView['state'];
  idleMinutes: number;
  /** Human-readable, including why it is skipped when it is. */
  reason: string;
  /** For notify: the text `msg` shows. */
  message: string | null;
  /** For notify: seconds the message stays up. */
  warnSeconds: number | null;
  /** `null`: send it. Otherwise it is recorded as `skipped` for this reason. */
  skip: SkipReason | null;
}

export interface PlanInput {
  group: ResolvedGroup;
  sessions: readonly SessionView[];
  /** The host's clock when it listed the sessions (ISO 8601 UTC); idle minutes are as of then. */
  observedAt: string;
  /** The host's UTC offset: quiet hours are host-local. */
  utcOffsetMinutes: number;
  priorNotifies?: readonly PriorNotify[];
  /**
   * Now on the ledger's clock (ISO 8601 UTC), which the warnings' times were written with; the
   * host's clock can differ from it (and the simulated fleet's runs ahead). Default: `observedAt`.
   */
  now?: string;
  /** Actions the fleet may still send in this sweep. */
  fleetRemaining: number;
  /** The host's console session as WTS reports it (the listing's `consoleSessionId`). */
  consoleSessionId?: number | null;
}

export interface HostPlan {
  group: string;
  /** Actions to send (`skip === null`) first, in priority order, then the skipped ones. */
  actions: PlannedAction[];
}

/** Longest `msg /time:` the plan asks for; a warning longer than that would block the session. */
export const MAX_WARN_SECONDS = 3600;

const PENDING: readonly ActionStatus[] = ['planned', 'dispatched'];

/**
 * Sessions of one host + the host's policy group + time → planned actions. Pure and
 * deterministic: the same input always gives the same plan.
 *
 * Never plans for a session whose idle time is unknown, never touches the console, never sends
 * anything to an excluded user, and never sends more than the host and fleet limits allow.
 */
export function planHost(input: PlanInput): HostPlan {
  const { group } = input;
  const nowMs = Date.parse(input.now ?? input.observedAt);
  const local = hostLocalTime(input.observedAt, input.utcOffsetMinutes);
  const quiet = activeQuietWindow(group.quietHours, local);
  const notifies = input.priorNotifies ?? [];

  const candidates: PlannedAction[] = [];
  const held: PlannedAction[] = [];
  const sessions = [...input.sessions].sort((a, b) => a.id - b.id);
  for (const session of sessions) {
    if (isConsole(session, input.consoleSessionId ?? null)) continue;
    const action = decide(session, group, notifies, nowMs, input.observedAt);
    if (!action) continue;
    if (action.skip !== null) {
      held.push(action);
      continue;
    }
    const excludedBy = matchExclusion(
      { userName: session.userName, domain: session.domain ?? null },
      group.excludedUsers
    );
    if (excludedBy !== null) {
      held.push(skipped(action, 'excluded', `user matches exclusion '${excludedBy}'`));
    } else if (quiet) {
      held.push(
        skipped(
          action,
          'quiet-hours',
          `quiet hours ${quiet.start}–${quiet.end} (host ${local.text})`
        )
      );
    } else {
      candidates.push(action);
    }
  }

  // Longest idle first, so that the blast-radius limit spares the most recently active users.
  candidates.sort((a, b) => b.idleMinutes - a.idleMinutes || a.sessionId - b.sessionId);
  const actions = withinLimits(candidates, group, input.fleetRemaining);
  return { group: group.name, actions: [...actions, ...held] };
}

function decide(
  session: SessionView,
  group: ResolvedGroup,
  notifies: readonly PriorNotify[],
  nowMs: number,
  observedAt: string
): PlannedAction | null {
  const idle = session.idleMinutes;
  if (idle === null || !Number.isFinite(idle) || idle < 0) return null;
  const policy = `policy '${group.name}'`;

  if (session.state === 'disconnected') {
    const limit = group.logoffDisconnectedMinutes;
    const away = session.disconnected;
    if (limit === null || !away || !(away.minutes >= limit)) return null;
    return base(
      session,
      idle,
      'logoff',
      `disconnected ${away.minutes} min ≥ ${limit} min (${SOURCE_TEXT[away.source]} ${away.since}), idle ${idle} min (${policy})`
    );
  }
  if (session.state !== 'active') return null;
  const returned = returnedAfterWarning(session, idle, group, notifies, nowMs, observedAt);
  if (returned) return returned;

  const logoffAt = group.logoffIdleMinutes;
  if (logoffAt !== null) {
    if (!group.warn) {
      if (idle >= logoffAt) {
        return base(
          session,
          idle,
          'logoff',
          `active, idle ${idle} min ≥ ${logoffAt} min (${policy})`
        );
      }
    } else if (idle >= logoffAt - group.warn.minutesBefore) {
      // While a warning is running, the logoff rule owns the session.
      return warnedLogoff(session, idle, logoffAt, group, notifies, nowMs);
    }
  }
  const disconnectAt = group.disconnectIdleMinutes;
  if (disconnectAt !== null && idle >= disconnectAt) {
    return base(
      session,
      idle,
      'disconnect',
      `active, idle ${idle} min ≥ ${disconnectAt} min (${policy})`
    );
  }
  return null;
}

/**
 * Warn first; log off only once the warning's deadline has passed and the user has not touched the
 * session since the warning went up.
 */
function warnedLogoff(
  session: SessionView,
  idle: number,
  logoffAt: number,
  group: ResolvedGroup,
  notifies: readonly PriorNotify[],
  nowMs: number
): PlannedAction | null {
  const warn = group.warn;
  if (!warn) return null;
  const policy = `policy '${group.name}'`;
  const prior = latestNotify(session, notifies);
  if (prior && PENDING.includes(prior.status)) return null;

  if (prior && delivered(prior, group)) {
    const sinceMinutes = minutesSince(prior, nowMs);
    if (untouchedSince(idle, sinceMinutes)) {
      if (sinceMinutes < warn.minutesBefore || idle < logoffAt) return null;
      return base(
        session,
        idle,
        'logoff',
        `active, still idle ${idle} min ≥ ${logoffAt} min, ${sinceMinutes} min after the warning at ${prior.at} (${policy})`
      );
    }
  }
  const minutesLeft = Math.max(warn.minutesBefore, logoffAt - idle);
  return {
    ...base(
      session,
      idle,
      'notify',
      `active, idle ${idle} min; logoff due at ${logoffAt} min, warning ${minutesLeft} min ahead (${policy})`
    ),
    message: warn.message.replaceAll('{minutes}', String(minutesLeft)),
    warnSeconds: Math.min(minutesLeft * 60, MAX_WARN_SECONDS),
  };
}

/**
 * The user was warned and has touched the session since, before the policy logged them off: the
 * logoff that the warning announced is recorded as skipped, once per warning, so that the trail
 * answers "why was I warned and not logged off?". The next warning follows the usual rules.
 */
function returnedAfterWarning(
  session: SessionView,
  idle: number,
  group: ResolvedGroup,
  notifies: readonly PriorNotify[],
  nowMs: number,
  observedAt: string
): PlannedAction | null {
  if (group.logoffIdleMinutes === null || !group.warn) return null;
  const prior = latestNotify(session, notifies);
  if (!prior || prior.answered || !delivered(prior, group)) return null;
  if (untouchedSince(idle, minutesSince(prior, nowMs))) return null;
  const activeAt = new Date(Date.parse(observedAt) - idle * 60_000).toISOString();
  return {
    ...base(session, idle, 'logoff', `warned at ${prior.at} (policy '${group.name}')`),
    skip: 'user-active',
    reason: `warned at ${prior.at} (policy '${group.name}'); skipped: user active again at ${activeAt}, idle ${idle} min`,
  };
}

/** The warning reached the user (or, in a dry run, would have). */
function delivered(prior: PriorNotify, group: ResolvedGroup): boolean {
  return (
    prior.status === 'succeeded' || (group.dryRun && prior.dryRun && prior.status === 'skipped')
  );
}

function minutesSince(prior: PriorNotify, nowMs: number): number {
  return Math.floor((nowMs - Date.parse(prior.at)) / 60_000);
}

/** quser floors idle minutes and host and cloud clocks differ a little: one minute of slack. */
function untouchedSince(idle: number, sinceMinutes: number): boolean {
  return idle + 1 >= sinceMinutes;
}

function latestNotify(session: SessionView, notifies: readonly PriorNotify[]): PriorNotify | null {
  let latest: PriorNotify | null = null;
  for (const notify of notifies) {
    if (notify.sessionId !== session.id) continue;
    if (bareName(notify.userName) !== bareName(session.userName)) continue;
    if (notify.logonTime && session.logonTime && notify.logonTime !== session.logonTime) continue;
    if (Number.isNaN(Date.parse(notify.at))) continue;
    if (!latest || Date.parse(notify.at) > Date.parse(latest.at)) latest = notify;
  }
  return latest;
}

function bareName(userName: string): string {
  return userName.slice(userName.indexOf('\\') + 1).toLowerCase();
}

/**
 * quser names the console session `console` only while it is connected; once disconnected its
 * name is blank, so the host's WTS console session id counts too.
 */
export function isConsole(
  session: Pick<SessionView, 'id' | 'sessionName'>,
  consoleSessionId: number | null
): boolean {
  return session.id === consoleSessionId || session.sessionName?.toLowerCase() === 'console';
}

function base(
  session: SessionView,
  idle: number,
  operation: PlannedOperation,
  reason: string
): PlannedAction {
  return {
    operation,
    sessionId: session.id,
    userName: session.userName,
    domain: session.domain ?? null,
    logonTime: session.logonTime,
    state: session.state,
    idleMinutes: idle,
    reason,
    message: null,
    warnSeconds: null,
    skip: null,
  };
}

/** The same plan (of a session or a shell) held back for another limit than the one it was planned with. */
export function reskip<P extends { reason: string; skip: string | null }>(
  action: P,
  reason: SkipReason & P['skip'],
  detail: string
): P {
  const planned = action.reason.slice(0, action.reason.lastIndexOf('; skipped: '));
  return { ...action, skip: reason, reason: `${planned}; skipped: ${detail}` };
}
