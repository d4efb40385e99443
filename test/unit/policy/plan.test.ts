import { describe, expect, it } from 'vitest';
import {
  type PlanInput,
  type PriorNotify,
  planHost,
  type SessionView,
} from '../../../lib/policy/plan.js';
import { parsePolicy, resolveGroup } from '../../../lib/policy/schema.js';

const policy = parsePolicy({
  version: 1,
  userGroups: { admins: ['CONTOSO\\adm-*'] },
  default: {
    disconnectIdleMinutes: 30,
    logoffDisconnectedMinutes: 120,
    exclude: { users: ['svc-*'], groups: ['admins'] },
    quietHours: [{ start: '02:00', end: '04:00' }],
    maxActionsPerHost: 2,
  },
  groups: {
    warned: {
      disconnectIdleMinutes: null,
      logoffIdleMinutes: 60,
      warn: { minutesBefore: 10, message: 'Logoff in {minutes} minutes, save your work.' },
    },
    pilot: { dryRun: true },
  },
});

const at = '2026-11-21T20:00:00Z';

function session(id: number, over: Partial<SessionView> = {}): SessionView {
  return {
    id,
    userName: `user${id}`,
    sessionName: `rdp-tcp#${id}`,
    state: 'active',
    idleMinutes: 45,
    logonTime: '2026-11-21T08:00',
    ...over,
  };
}

function plan(over: Partial<PlanInput> & { groupName?: string } = {}) {
  const { groupName, ...rest } = over;
  return planHost({
    group: resolveGroup(policy, groupName ?? null),
    sessions: [],
    observedAt: at,
    utcOffsetMinutes: 0,
    fleetRemaining: 100,
    ...rest,
  });
}

describe('planHost', () => {
  it('disconnects idle active sessions and logs off long-disconnected ones, with reasons', () => {
    const result = plan({
      sessions: [
        session(2, { idleMinutes: 29 }),
        session(3, { idleMinutes: 31 }),
        session(4, {
          state: 'disconnected',
          sessionName: null,
          idleMinutes: 125,
          disconnected: { minutes: 121, since: '2026-11-21T17:59:00Z', source: 'host' },
        }),
      ],
    });

    expect(result.group).toBe('default');
    expect(result.actions.map((a) => [a.operation, a.sessionId, a.skip])).toEqual([
      ['logoff', 4, null],
      ['disconnect', 3, null],
    ]);
    expect(result.actions[0]?.reason).toBe(
      "disconnected 121 min ≥ 120 min (since the host's disconnect time 2026-11-21T17:59:00Z), idle 125 min (policy 'default')"
    );
    expect(result.actions[1]?.reason).toBe("active, idle 31 min ≥ 30 min (policy 'default')");
  });

  it('measures a disconnected session from its disconnect, not from its last input (issue 11.1)', () => {
    // Idle 78 minutes, disconnected by our own policy a minute ago: no reconnect window was left.
    const disconnected = (over: Partial<SessionView>) =>
      session(4, { state: 'disconnected', sessionName: null, idleMinutes: 200, ...over });
    const result = plan({
      sessions: [
        disconnected({
          id: 4,
          disconnected: { minutes: 1, since: '2026-11-21T19:59:00Z', source: 'ledger' },
        }),
        // Unknown disconnect time: never a logoff, however long idle.
        disconnected({ id: 5 }),
        disconnected({ id: 6, disconnected: null }),
        disconnected({
          id: 7,
          disconnected: { minutes: 0, since: at, source: 'first-seen' },
        }),
        disconnected({
          id: 8,
          disconnected: { minutes: 130, since: '2026-11-21T17:50:00Z', source: 'ledger' },
        }),
        disconnected({
          id: 9,
          disconnected: { minutes: 120, since: '2026-11-21T18:00:00Z', source: 'first-seen' },
        }),
      ],
    });

    expect(result.actions.map((a) => [a.operation, a.sessionId, a.state])).toEqual([
      ['logoff', 8, 'disconnected'],
      ['logoff', 9, 'disconnected'],
    ]);
    expect(result.actions[0]?.reason).toBe(
      "disconnected 130 min ≥ 120 min (since our disconnect at 2026-11-21T17:50:00Z), idle 200 min (policy 'default')"
    );
    expect(result.actions[1]?.reason).toContain(
      'disconnected 120 min ≥ 120 min (since first seen disconnected at 2026-11-21T18:00:00Z)'
    );
  });

  it('never acts on unknown idle time, the console, or states other than active/disconnected', () => {
    const result = plan({
      sessions: [
        session(2, { idleMinutes: null }),
        session(3, { sessionName: 'Console', idleMinutes: 500 }),
        session(4, { state: 'idle', idleMinutes: 500 }),
        session(5, { state: 'connected', idleMinutes: 500 }),
      ],
    });

    expect(result.actions).toEqual([]);
  });

  it('knows the console by the id WTS reports, also disconnected, when quser names it no more (issue 12.5)', () => {
    const away = { minutes: 500, since: '2026-11-21T11:40:00Z', source: 'host' as const };
    const result = plan({
      consoleSessionId: 1,
      sessions: [
        session(1, {
          sessionName: null,
          state: 'disconnected',
          idleMinutes: 500,
          disconnected: away,
        }),
        session(2, {
          sessionName: null,
          state: 'disconnected',
          idleMinutes: 500,
          disconnected: away,
        }),
      ],
    });

    expect(result.actions.map((a) => [a.sessionId, a.operation])).toEqual([[2, 'logoff']]);
  });

  it('records excluded users as skipped with the matching pattern', () => {
    const result = plan({
      sessions: [session(2, { userName: 'svc-sql' }), session(3, { userName: 'adm-jo' })],
    });

    expect(result.actions.map((a) => a.skip)).toEqual(['excluded', 'excluded']);
    expect(result.actions[0]?.reason).toContain("skipped: user matches exclusion 'svc-*'");
    expect(result.actions[1]?.reason).toContain("'CONTOSO\\adm-*'");
  });

  it('skips everything in quiet hours, judged on the host clock', () => {
    const result = plan({ sessions: [session(2)], utcOffsetMinutes: 6 * 60 });

    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]?.skip).toBe('quiet-hours');
    expect(result.actions[0]?.reason).toContain('quiet hours 02:00–04:00 (host 2026-11-22T02:00)');
  });

  it('sends at most the host limit, longest idle first, and skips the rest', () => {
    const result = plan({
      sessions: [
        session(2, { idleMinutes: 40 }),
        session(3, { idleMinutes: 90 }),
        session(4, { idleMinutes: 60 }),
      ],
    });

    expect(result.actions.map((a) => [a.sessionId, a.skip])).toEqual([
      [3, null],
      [4, null],
      [2, 'host-limit'],
    ]);
  });

  it('sends at most what is left of the fleet budget', () => {
    const result = plan({ sessions: [session(2), session(3)], fleetRemaining: 1 });

    expect(result.actions.map((a) => a.skip)).toEqual([null, 'fleet-limit']);
  });

  it('says "host limit" only when the host got that many: past the fleet budget it is the fleet limit', () => {
    const result = plan({ sessions: [session(2), session(3), session(4)], fleetRemaining: 1 });

    expect(result.actions.map((a) => a.skip)).toEqual([null, 'fleet-limit', 'fleet-limit']);
    expect(result.actions.some((a) => a.reason.includes('host limit'))).toBe(false);
  });

  it('plans but skips everything in a dry-run group', () => {
    const result = plan({ groupName: 'pilot', sessions: [session(2), session(3), session(4)] });

    expect(result.actions.map((a) => a.skip)).toEqual(['dry-run', 'dry-run', 'host-limit']);
    expect(result.actions[0]?.reason).toMatch(/; skipped: dry run$/);
  });

  describe('warning before logoff', () => {
    const warnedAt = (
      minutesAgo: number,
      status: PriorNotify['status'] = 'succeeded',
      answered = false
    ): PriorNotify => ({
      sessionId: 2,
      userName: 'USER2',
      logonTime: '2026-11-21T08:00',
      status,
      dryRun: false,
      at: new Date(Date.parse(at) - minutesAgo * 60_000).toISOString(),
      answered,
    });

    it('warns once the session is within the warning window, with the countdown', () => {
      const result = plan({ groupName: 'warned', sessions: [session(2, { idleMinutes: 52 })] });

      expect(result.actions).toEqual([
        expect.objectContaining({
          operation: 'notify',
          skip: null,
          message: 'Logoff in 10 minutes, save your work.',
          warnSeconds: 600,
        }),
      ]);
    });

    it('does nothing before the window and while the warning is pending or running', () => {
      expect(
        plan({ groupName: 'warned', sessions: [session(2, { idleMinutes: 49 })] }).actions
      ).toEqual([]);
      expect(
        plan({
          groupName: 'warned',
          sessions: [session(2, { idleMinutes: 62 })],
          priorNotifies: [warnedAt(1, 'dispatched')],
        }).actions
      ).toEqual([]);
      expect(
        plan({
          groupName: 'warned',
          sessions: [session(2, { idleMinutes: 62 })],
          priorNotifies: [warnedAt(5)],
        }).actions
      ).toEqual([]);
    });

    it('logs off when still idle at the deadline', () => {
      const result = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 62 })],
        priorNotifies: [warnedAt(12)],
      });

      expect(result.actions.map((a) => a.operation)).toEqual(['logoff']);
      expect(result.actions[0]?.reason).toContain('still idle 62 min ≥ 60 min, 12 min after');
    });

    it('measures the time since the warning on the ledger clock, not the host clock', () => {
      // The host's clock runs 46 minutes ahead of the ledger's; the warning went up 5 ledger
      // minutes ago, so the deadline has not passed whatever the host says.
      const hostAhead = new Date(Date.parse(at) + 46 * 60_000).toISOString();
      const early = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 62 })],
        priorNotifies: [warnedAt(5)],
        observedAt: hostAhead,
        now: at,
      });
      expect(early.actions).toEqual([]);

      const due = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 62 })],
        priorNotifies: [warnedAt(12)],
        observedAt: hostAhead,
        now: at,
      });
      expect(due.actions.map((a) => a.operation)).toEqual(['logoff']);
    });

    it('records the announced logoff as skipped when the user came back after the warning', () => {
      const result = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 3 })],
        priorNotifies: [warnedAt(8)],
      });

      expect(result.actions).toEqual([
        expect.objectContaining({ operation: 'logoff', sessionId: 2, skip: 'user-active' }),
      ]);
      const activeAt = new Date(Date.parse(at) - 3 * 60_000).toISOString();
      expect(result.actions[0]?.reason).toBe(
        `warned at ${warnedAt(8).at} (policy 'warned'); skipped: user active again at ${activeAt}, idle 3 min`
      );
    });

    it('records that skip once per warning, then warns again by the usual rules', () => {
      const settled = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 3 })],
        priorNotifies: [warnedAt(8, 'succeeded', true)],
      });
      const idleAgain = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 55 })],
        priorNotifies: [warnedAt(70, 'succeeded', true)],
      });

      expect(settled.actions).toEqual([]);
      expect(idleAgain.actions.map((a) => [a.operation, a.warnSeconds])).toEqual([['notify', 600]]);
    });

    it('does not call a warning that failed or is still running a warning the user answered', () => {
      for (const status of ['failed', 'dispatched'] as const) {
        const result = plan({
          groupName: 'warned',
          sessions: [session(2, { idleMinutes: 3 })],
          priorNotifies: [warnedAt(8, status)],
        });
        expect(result.actions).toEqual([]);
      }
    });

    it('sends nothing for a user-active skip, even with room left and outside a dry run', () => {
      const result = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 3 }), session(3, { idleMinutes: 70 })],
        priorNotifies: [warnedAt(8)],
      });

      expect(result.actions.map((a) => [a.sessionId, a.operation, a.skip])).toEqual([
        [3, 'notify', null],
        [2, 'logoff', 'user-active'],
      ]);
    });

    it('does not count a failed warning or one for an earlier logon', () => {
      const failed = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 70 })],
        priorNotifies: [warnedAt(12, 'failed')],
      });
      const otherLogon = plan({
        groupName: 'warned',
        sessions: [session(2, { idleMinutes: 70, logonTime: '2026-11-21T09:00' })],
        priorNotifies: [warnedAt(12)],
      });

      expect(failed.actions.map((a) => a.operation)).toEqual(['notify']);
      expect(otherLogon.actions.map((a) => a.operation)).toEqual(['notify']);
    });

    it('never warns a disconnected session: msg needs an active one', () => {
      const result = plan({
        groupName: 'warned',
        sessions: [
          session(2, {
            state: 'disconnected',
            sessionName: null,
            idleMinutes: 200,
            disconnected: { minutes: 190, since: '2026-11-21T16:50:00Z', source: 'host' },
          }),
        ],
      });

      expect(result.actions.map((a) => a.operation)).toEqual(['logoff']);
    });
  });
});
