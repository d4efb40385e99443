import { describe, expect, it } from 'vitest';
import { forecast, type HostPolicy } from '../../../console/src/forecast.js';
import { explainCause, GUARD_WORDS } from '../../../console/src/words.js';
import { planHost } from '../../../lib/policy/plan.js';
import { parsePolicy, resolveGroup } from '../../../lib/policy/schema.js';
import { GUARD_CODES } from '../../../lib/ssm/host-contract.js';

const document = {
  version: 1,
  default: {
    disconnectIdleMinutes: 30,
    logoffDisconnectedMinutes: 120,
    exclude: { users: ['svc_*'] },
  },
  groups: {
    strict: {
      logoffIdleMinutes: 60,
      warn: { minutesBefore: 10, message: 'Bye in {minutes} minutes' },
    },
  },
};

function hostPolicy(groupName: string, sessions: HostPolicy['sessions'] = []): HostPolicy {
  const group = resolveGroup(parsePolicy(document), groupName);
  return {
    group: group.name,
    disconnectIdleMinutes: group.disconnectIdleMinutes,
    logoffIdleMinutes: group.logoffIdleMinutes,
    logoffDisconnectedMinutes: group.logoffDisconnectedMinutes,
    warnMinutesBefore: group.warn?.minutesBefore ?? null,
    dryRun: group.dryRun,
    sessions,
  };
}

const now = '2026-11-21T12:00:00Z';
const active = (id: number, idleMinutes: number | null) => ({
  id,
  userName: `user${id}`,
  sessionName: `rdp-tcp#${id}`,
  state: 'active' as const,
  idleMinutes,
  logonTime: '2026-11-21T08:00',
});

describe("the console's forecast of a session", () => {
  it('says due exactly where the policy plans an action now, and what it plans', () => {
    for (const groupName of ['default', 'strict']) {
      const policy = hostPolicy(groupName);
      const group = resolveGroup(parsePolicy(document), groupName);
      for (const idle of [0, 29, 30, 45, 49, 50, 59, 60, 200]) {
        const row = active(2, idle);
        const plan = planHost({
          group,
          sessions: [row],
          observedAt: now,
          utcOffsetMinutes: 0,
          fleetRemaining: 50,
        });
        const told = forecast(
          row,
          {
            ...policy,
            sessions: [{ id: 2, console: false, excludedBy: null, disconnectedSince: null }],
          },
          now
        );
        expect(told.kind === 'due', `${groupName} idle ${idle}: ${told.text}`).toBe(
          plan.actions.length > 0
        );
        const operation = plan.actions[0]?.operation;
        if (operation === 'notify') expect(told.text).toContain('warn (unless a warning is up)');
        if (operation === 'disconnect') expect(told.text).toContain('disconnect');
      }
    }
  });

  it('counts ahead to the next threshold', () => {
    const told = forecast(active(3, 20), hostPolicy('strict'), now);
    expect(told).toMatchObject({ kind: 'later', inMinutes: 10, measure: 'idle' });
    expect(told.text).toBe('disconnect in 10 min if still idle (at 30 min idle).');
    expect(told.marks.map((m) => [m.label, m.minutes])).toEqual([
      ['disconnect', 30],
      ['warning', 50],
      ['logoff', 60],
    ]);
  });

  it('never acts on the console, an excluded user or an unknown idle time', () => {
    const policy = hostPolicy('default', [
      { id: 1, console: true, excludedBy: null, disconnectedSince: null },
      { id: 2, console: false, excludedBy: 'svc_*', disconnectedSince: null },
    ]);
    expect(forecast(active(1, 500), policy, now).kind).toBe('never');
    expect(forecast(active(2, 500), policy, now).text).toBe(
      "excluded by 'svc_*': the policy never acts on it."
    );
    expect(forecast(active(3, null), policy, now).kind).toBe('unknown');
  });

  it("times a disconnected session from the host's disconnect time, not its idle time", () => {
    const row = { ...active(4, 600), state: 'disconnected' as const, sessionName: null };
    const since = (minutes: number) => new Date(Date.parse(now) - minutes * 60_000).toISOString();
    const at = (minutes: number) =>
      hostPolicy('default', [
        { id: 4, console: false, excludedBy: null, disconnectedSince: since(minutes) },
      ]);
    expect(forecast(row, at(90), now)).toMatchObject({
      kind: 'later',
      value: 90,
      inMinutes: 30,
      measure: 'disconnected',
    });
    expect(forecast(row, at(120), now).kind).toBe('due');
    expect(forecast(row, hostPolicy('default'), now)).toMatchObject({
      kind: 'unknown',
      value: null,
    });
  });
});

describe("the console's words", () => {
  it('explains every guard the host script has', () => {
    expect(Object.keys(GUARD_WORDS).sort()).toEqual([...GUARD_CODES].sort());
    expect(explainCause('guard:user-mismatch')).toMatch(
      /^The host's guard refused: the session id now belongs to someone else/
    );
    expect(explainCause('win32:5')).toBe('Windows said Access denied (error 5).');
    expect(explainCause('something-new')).toBe('something-new');
  });
});
