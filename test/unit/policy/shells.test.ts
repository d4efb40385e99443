import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy, resolveGroup } from '../../../lib/policy/schema.js';
import { planShells } from '../../../lib/policy/shells.js';
import type { RemoteShell } from '../../../lib/windows/shells.js';

const policy = parsePolicy({
  version: 1,
  userGroups: { admins: ['CONTOSO\\adm-*'] },
  default: {
    exclude: { users: ['svc_*'], groups: [] },
    maxActionsPerHost: 2,
    quietHours: [{ start: '02:00', end: '04:00' }],
    shells: {
      endDisconnectedAfterMinutes: 30,
      endIdleAfterMinutes: 240,
      exclude: { owners: ['CONTOSO\\deploy'] },
    },
  },
  groups: {
    pilot: { dryRun: true },
    admins: { shells: { endDisconnectedAfterMinutes: 60, exclude: { owners: ['adm-*'] } } },
    quiet: { shells: null },
  },
});
const group = (name: string) => resolveGroup(policy, name);
const at = '2026-11-21T20:00:00Z';

function shell(n: number, over: Partial<RemoteShell> = {}): RemoteShell {
  return {
    shellId: `3F2504E0-4F89-11D3-9A0C-0305E82C33${String(n).padStart(2, '0')}`,
    kind: 'powershell',
    resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell',
    owner: `CONTOSO\\user${n}`,
    clientIp: '10.0.0.5',
    processId: 5800 + n,
    state: 'disconnected',
    runTimeSeconds: 7200,
    inactivitySeconds: 45 * 60,
    idleTimeoutSeconds: 7200,
    maxIdleTimeoutSeconds: 43_200,
    bufferMode: 'block',
    childProcesses: 1,
    memoryUsedBytes: 48 * 1024 ** 2,
    ...over,
  };
}

const plan = (shells: RemoteShell[], name = 'default', over = {}) =>
  planShells({
    group: group(name),
    shells,
    observedAt: at,
    utcOffsetMinutes: 0,
    fleetRemaining: 50,
    ...over,
  });

describe('the shells policy', () => {
  it('is null by default: nothing is planned, and the sweep lists no shells', () => {
    const fresh = parsePolicy({ version: 1 });
    expect(resolveGroup(fresh, 'default').shells).toBeNull();
    expect(
      planShells({
        group: resolveGroup(fresh, 'default'),
        shells: [shell(1, { inactivitySeconds: 10 ** 6 })],
        observedAt: at,
        utcOffsetMinutes: 0,
        fleetRemaining: 50,
      })
    ).toEqual([]);
    expect(group('quiet').shells).toBeNull();
  });

  it('ends a Disconnected shell past endDisconnectedAfterMinutes, and says why', () => {
    expect(plan([shell(1)])).toEqual([
      {
        operation: 'end-shell',
        shellId: shell(1).shellId,
        owner: 'CONTOSO\\user1',
        state: 'disconnected',
        inactiveMinutes: 45,
        childProcesses: 1,
        minInactiveMinutes: 30,
        reason:
          "powershell shell of CONTOSO\\user1 disconnected, inactive 45 min ≥ 30 min (policy 'default')",
        skip: null,
      },
    ]);
  });

  it('leaves a Connected shell alone until endIdleAfterMinutes, then ends it too', () => {
    expect(plan([shell(1, { state: 'connected' })])).toEqual([]);
    expect(plan([shell(1, { state: 'connected', inactivitySeconds: 240 * 60 })])).toMatchObject([
      { skip: null, reason: expect.stringContaining('connected, inactive 240 min ≥ 240 min') },
    ]);
  });

  it('never ends a shell whose inactivity or owner is unknown; an unknown state only by the idle rule', () => {
    expect(plan([shell(1, { inactivitySeconds: null })])).toEqual([]);
    expect(plan([shell(2, { owner: null })])).toEqual([]);
    expect(plan([shell(3, { state: null })])).toEqual([]);
    expect(plan([shell(4, { state: null, inactivitySeconds: 300 * 60 })])).toHaveLength(1);
  });

  it("records excluded owners as skipped: the policy's users, and shells.exclude.owners (added up in a group)", () => {
    const planned = plan([
      shell(1, { owner: 'CONTOSO\\svc_backup' }),
      shell(2, { owner: 'CONTOSO\\deploy' }),
    ]);
    expect(planned.map((p) => [p.skip, p.reason.split('; skipped: ')[1]])).toEqual([
      ['excluded', "owner matches exclusion 'svc_*'"],
      ['excluded', "owner matches exclusion 'CONTOSO\\deploy'"],
    ]);
    expect(group('admins').shells?.exclude.owners).toEqual(['CONTOSO\\deploy', 'adm-*']);
    expect(
      plan([shell(3, { owner: 'CONTOSO\\adm-1', inactivitySeconds: 90 * 60 })], 'admins')
    ).toMatchObject([{ skip: 'excluded' }]);
  });

  it('keeps to the host and fleet limits, longest inactive first; dry run and quiet hours skip', () => {
    const many = [1, 2, 3].map((n) => shell(n, { inactivitySeconds: (30 + n) * 60 }));
    expect(plan(many).map((p) => [p.owner, p.skip])).toEqual([
      ['CONTOSO\\user3', null],
      ['CONTOSO\\user2', null],
      ['CONTOSO\\user1', 'host-limit'],
    ]);
    expect(plan(many, 'default', { fleetRemaining: 1 }).map((p) => p.skip)).toEqual([
      null,
      'fleet-limit',
      'fleet-limit',
    ]);
    expect(plan([shell(1)], 'pilot').map((p) => p.skip)).toEqual(['dry-run']);
    expect(plan([shell(1)], 'default', { observedAt: '2026-11-21T03:00:00Z' })[0]?.skip).toBe(
      'quiet-hours'
    );
  });

  it('refuses a threshold that is not a whole number of minutes, naming the field', () => {
    expect(() =>
      parsePolicy({ version: 1, default: { shells: { endIdleAfterMinutes: 0 } } })
    ).toThrow(/default\.shells\.endIdleAfterMinutes/);
    expect(() => parsePolicy({ version: 1, default: { shells: { endAfter: 5 } } })).toThrow(
      /default\.shells/
    );
  });

  it('never plans more than the limits allow, never an unknown inactivity, never an excluded owner', () => {
    const arbitraryShell = fc.record({
      state: fc.constantFrom('connected', 'disconnected', null),
      inactivitySeconds: fc.option(fc.integer({ min: 0, max: 10 ** 6 }), { nil: null }),
      owner: fc.constantFrom('CONTOSO\\alice', 'CONTOSO\\svc_x', 'CONTOSO\\deploy', null),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryShell, { maxLength: 12 }),
        fc.integer({ min: 0, max: 5 }),
        (specs, fleetRemaining) => {
          // One id per shell: GUIDs are never shared.
          const shells = specs.map((s, i) =>
            shell(i, {
              state: s.state as RemoteShell['state'],
              inactivitySeconds: s.inactivitySeconds,
              owner: s.owner,
            })
          );
          const planned = plan(shells, 'default', { fleetRemaining });
          const sent = planned.filter((p) => p.skip === null);
          expect(sent.length).toBeLessThanOrEqual(Math.min(2, fleetRemaining));
          for (const p of sent) {
            const source = shells.find((s) => s.shellId === p.shellId);
            expect(source?.inactivitySeconds).not.toBeNull();
            expect(p.owner).not.toMatch(/svc_|deploy/);
          }
        }
      )
    );
  });
});
