import { minutes } from './words.js';

/**
 * What the sweep will do to a live session, and when, from the host's policy as the API reports
 * it. It mirrors lib/policy/plan.ts's rules (the console cannot import lib/: it ships to browsers
 * and must stay small); test/unit/console/forecast.test.ts holds both to the same cases.
 */

export interface SessionRow {
  id: number;
  userName: string;
  sessionName: string | null;
  state: string;
  idleMinutes: number | null;
}

export interface HostPolicy {
  group: string;
  disconnectIdleMinutes: number | null;
  logoffIdleMinutes: number | null;
  logoffDisconnectedMinutes: number | null;
  warnMinutesBefore: number | null;
  dryRun: boolean;
  sessions: Array<{
    id: number;
    console: boolean;
    excludedBy: string | null;
    disconnectedSince: string | null;
  }>;
}

export interface Mark {
  minutes: number;
  label: string;
}

export interface Forecast {
  /** `never`: the policy never acts on it; `due`: the next sweep acts; `later`: at `inMinutes`. */
  kind: 'never' | 'unknown' | 'due' | 'later' | 'none';
  text: string;
  /** The minutes the thresholds are measured against (idle, or disconnected), when known. */
  value: number | null;
  /** What the value is: idle minutes, or minutes since the disconnect. */
  measure: 'idle' | 'disconnected';
  marks: Mark[];
  inMinutes?: number;
}

export function forecast(row: SessionRow, policy: HostPolicy, hostTimeUtc: string): Forecast {
  const entry = policy.sessions.find((s) => s.id === row.id);
  const dry = policy.dryRun ? ' (dry run: recorded as skipped, nothing sent)' : '';
  if (row.state === 'disconnected')
    return disconnected(policy, entry?.disconnectedSince ?? null, hostTimeUtc, dry, entry);
  const marks: Array<Mark & { op: 'disconnect' | 'warn' | 'logoff' }> = [];
  const logoffAt = policy.logoffIdleMinutes;
  if (policy.disconnectIdleMinutes !== null) {
    marks.push({ minutes: policy.disconnectIdleMinutes, label: 'disconnect', op: 'disconnect' });
  }
  if (logoffAt !== null) {
    if (policy.warnMinutesBefore !== null) {
      marks.push({
        minutes: Math.max(0, logoffAt - policy.warnMinutesBefore),
        label: 'warning',
        op: 'warn',
      });
    }
    marks.push({ minutes: logoffAt, label: 'logoff', op: 'logoff' });
  }
  marks.sort((a, b) => a.minutes - b.minutes);
  const base = {
    value: row.idleMinutes,
    measure: 'idle' as const,
    marks: marks.map(({ minutes: m, label }) => ({ minutes: m, label })),
  };
  const never = neverText(entry);
  if (never) return { ...base, kind: 'never', text: never };
  if (row.state !== 'active')
    return {
      ...base,
      kind: 'none',
      text: `${row.state}: the policy acts only on active and disconnected sessions.`,
    };
  if (marks.length === 0)
    return {
      ...base,
      kind: 'none',
      text: `policy '${policy.group}' sets no idle limit: nothing will happen.`,
    };
  const idle = row.idleMinutes;
  if (idle === null)
    return {
      ...base,
      kind: 'unknown',
      text: 'idle time unknown: the policy never acts on an unknown.',
    };
  // The logoff rule (with its warning) owns the session once its first step is reached; else a disconnect.
  const crossedLogoff = marks.filter((m) => m.op !== 'disconnect' && idle >= m.minutes).pop();
  const crossed = crossedLogoff ?? marks.find((m) => m.op === 'disconnect' && idle >= m.minutes);
  if (crossed) {
    const what =
      crossed.op === 'disconnect'
        ? 'disconnect'
        : policy.warnMinutesBefore !== null
          ? // A logoff is always announced first (lib/policy/plan.ts warnedLogoff), however late.
            `warn (unless a warning is up), then log off ${minutes(policy.warnMinutesBefore)} later if still away,`
          : 'log off';
    return {
      ...base,
      kind: 'due',
      text: `due: ${what} at the next sweep (idle ${minutes(idle)} ≥ ${minutes(crossed.minutes)})${dry}.`,
    };
  }
  const next = marks.find((m) => m.minutes > idle);
  if (!next) return { ...base, kind: 'none', text: 'nothing will happen.' };
  const inMinutes = next.minutes - idle;
  const what = next.op === 'warn' ? 'a logoff warning' : next.op;
  return {
    ...base,
    kind: 'later',
    inMinutes,
    text: `${what} in ${minutes(inMinutes)} if still idle (at ${minutes(next.minutes)} idle)${dry}.`,
  };
}

function neverText(entry: HostPolicy['sessions'][number] | undefined): string | null {
  if (entry?.console) return 'the console session: the policy never touches it.';
  if (entry?.excludedBy) return `excluded by '${entry.excludedBy}': the policy never acts on it.`;
  return null;
}

function disconnected(
  policy: HostPolicy,
  since: string | null,
  hostTimeUtc: string,
  dry: string,
  entry: HostPolicy['sessions'][number] | undefined
): Forecast {
  const limit = policy.logoffDisconnectedMinutes;
  const value =
    since === null
      ? null
      : Math.max(0, Math.floor((Date.parse(hostTimeUtc) - Date.parse(since)) / 60_000));
  const base = {
    value,
    measure: 'disconnected' as const,
    marks: limit === null ? [] : [{ minutes: limit, label: 'logoff' }],
  };
  const never = neverText(entry);
  if (never) return { ...base, kind: 'never', text: never };
  if (limit === null)
    return {
      ...base,
      kind: 'none',
      text: `policy '${policy.group}' sets no disconnected limit: nothing will happen.`,
    };
  if (value === null) {
    return {
      ...base,
      kind: 'unknown',
      text: `logoff after ${minutes(limit)} disconnected, counted from the disconnect the sweep recorded (the host shows no disconnect time).`,
    };
  }
  if (value >= limit)
    return {
      ...base,
      kind: 'due',
      text: `due: log off at the next sweep (disconnected ${minutes(value)} ≥ ${minutes(limit)})${dry}.`,
    };
  return {
    ...base,
    kind: 'later',
    inMinutes: limit - value,
    text: `logoff in ${minutes(limit - value)} if still disconnected (at ${minutes(limit)})${dry}.`,
  };
}
