import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_STATUSES } from '../../../lib/actions/model.js';
import { type PriorNotify, planHost, type SessionView } from '../../../lib/policy/plan.js';
import { parsePolicy, resolveGroup } from '../../../lib/policy/schema.js';
import { matchExclusion } from '../../../lib/policy/users.js';
import { SESSION_STATES } from '../../../lib/windows/types.js';

const names = ['alice', 'bob', 'svc-sql', 'adm-1', 'Administrator', 'carol', 'ADM-2'];
const patterns = ['svc-*', 'CONTOSO\\adm-*', 'administrator', 'b?b', 'FABRIKAM\\*'];

const sessionArb: fc.Arbitrary<SessionView> = fc.record({
  id: fc.integer({ min: 0, max: 40 }),
  userName: fc.constantFrom(...names),
  domain: fc.constantFrom(null, 'CONTOSO', 'FABRIKAM', 'OTHER'),
  sessionName: fc.constantFrom(null, 'console', 'Console', 'rdp-tcp#1', 'rdp-tcp#7'),
  state: fc.constantFrom(...SESSION_STATES),
  idleMinutes: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
  logonTime: fc.constantFrom(null, '2026-11-21T08:00', '2026-11-20T17:45'),
});

const nullableMinutes = fc.option(fc.integer({ min: 1, max: 600 }), { nil: null });

const policyArb = fc
  .record({
    disconnectIdleMinutes: nullableMinutes,
    logoffIdleMinutes: nullableMinutes,
    logoffDisconnectedMinutes: nullableMinutes,
    warn: fc.option(
      fc.record({
        minutesBefore: fc.integer({ min: 1, max: 120 }),
        message: fc.constant('Logoff in {minutes} min.'),
      }),
      { nil: null }
    ),
    exclude: fc.record({ users: fc.subarray(patterns), groups: fc.constant([]) }),
    maxActionsPerHost: fc.integer({ min: 0, max: 6 }),
    quietHours: fc.constantFrom([], [{ start: '22:00', end: '06:00' }]),
    dryRun: fc.boolean(),
  })
  .map((settings) => parsePolicy({ version: 1, default: settings }));

const notifyArb: fc.Arbitrary<PriorNotify> = fc.record({
  sessionId: fc.integer({ min: 0, max: 40 }),
  userName: fc.constantFrom(...names),
  logonTime: fc.constantFrom(null, '2026-11-21T08:00'),
  status: fc.constantFrom(...ACTION_STATUSES),
  dryRun: fc.boolean(),
  at: fc
    .integer({ min: 0, max: 600 })
    .map((m) => new Date(Date.parse('2026-11-21T20:00:00Z') - m * 60_000).toISOString()),
  answered: fc.boolean(),
});

const inputArb = fc.record({
  policy: policyArb,
  sessions: fc.uniqueArray(sessionArb, { selector: (s) => s.id, maxLength: 25 }),
  priorNotifies: fc.array(notifyArb, { maxLength: 8 }),
  observedAt: fc
    .integer({ min: 0, max: 7 * 24 * 60 })
    .map((m) => new Date(Date.parse('2026-11-21T00:00:00Z') + m * 60_000).toISOString()),
  utcOffsetMinutes: fc.integer({ min: -720, max: 840 }),
  fleetRemaining: fc.integer({ min: 0, max: 10 }),
});

type Input = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function run(input: Input) {
  return planHost({ ...input, group: resolveGroup(input.policy, null) });
}

const sent = (input: Input) => run(input).actions.filter((a) => a.skip === null);

describe('planHost properties', () => {
  it('never sends anything to an excluded user', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const excluded = resolveGroup(input.policy, null).excludedUsers;
        for (const action of sent(input)) {
          expect(matchExclusion(action, excluded)).toBeNull();
        }
      })
    );
  });

  it('never plans a disconnect of the console, nor any action on an active console', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const byId = new Map(input.sessions.map((s) => [s.id, s]));
        for (const action of run(input).actions) {
          const s = byId.get(action.sessionId);
          const console = s?.sessionName?.toLowerCase() === 'console';
          expect(console && (action.operation === 'disconnect' || s?.state === 'active')).toBe(
            false
          );
        }
      })
    );
  });

  it('never acts on a session whose idle time is unknown', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const unknown = new Set(
          input.sessions.filter((s) => s.idleMinutes === null).map((s) => s.id)
        );
        expect(run(input).actions.filter((a) => unknown.has(a.sessionId))).toEqual([]);
      })
    );
  });

  it('never exceeds the host limit or the fleet budget, and sends nothing in a dry run', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const group = resolveGroup(input.policy, null);
        const count = sent(input).length;
        expect(count).toBeLessThanOrEqual(Math.min(group.maxActionsPerHost, input.fleetRemaining));
        if (group.dryRun) expect(count).toBe(0);
      })
    );
  });

  it('plans at most one action per session', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const ids = run(input).actions.map((a) => a.sessionId);
        expect(new Set(ids).size).toBe(ids.length);
      })
    );
  });

  it('gives the same plan for the same input, whatever the order of sessions', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const reversed = { ...input, sessions: [...input.sessions].reverse() };
        expect(run(reversed)).toEqual(run(input));
        expect(run(structuredClone(input))).toEqual(run(input));
      })
    );
  });
});
