import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy, resolveGroup } from '../../../lib/policy/schema.js';
import { allowanceOf } from '../../../lib/sweep/sweep.js';

const hosts = (n: number) =>
  Array.from({ length: n }, (_, i) => `i-${String(i).padStart(17, '0')}`);

function policyOf(maxActionsPerSweep: number) {
  return parsePolicy({
    version: 1,
    fleet: { maxActionsPerSweep },
    default: { maxActionsPerHost: 3 },
    groups: {
      big: { maxActionsPerHost: 10 },
      shells: { shells: { endDisconnectedAfterMinutes: 30 } },
    },
  });
}

describe("a sweep's allowance for its listings", () => {
  it('gives each listing the most any group plans when every listing can have it', () => {
    // 4 + 2 hosts, shells listed too in one group: 4 + 2 × 2 = 8 listings of at most 10.
    const groups = { default: hosts(4), big: [], shells: hosts(2) };
    expect(allowanceOf(policyOf(80), groups)).toEqual({ perListing: 3, reserved: 24 });
    expect(allowanceOf(policyOf(24), groups)).toEqual({ perListing: 3, reserved: 24 });
    expect(allowanceOf(policyOf(90), { ...groups, big: hosts(1) })).toEqual({
      perListing: 10,
      reserved: 90,
    });
  });

  it('counts no shell listing for a group whose shells set no threshold', () => {
    const policy = parsePolicy({
      version: 1,
      fleet: { maxActionsPerSweep: 100 },
      default: { maxActionsPerHost: 3, shells: { exclude: { owners: ['svc_*'] } } },
    });
    expect(allowanceOf(policy, { default: hosts(4) })).toEqual({ perListing: 3, reserved: 12 });
  });

  it('gives none where the fleet limit could be reached: every send then claims', () => {
    const groups = { default: hosts(4), shells: hosts(2) };
    expect(allowanceOf(policyOf(23), groups)).toEqual({ perListing: 0, reserved: 0 });
    expect(allowanceOf(policyOf(0), groups)).toEqual({ perListing: 0, reserved: 0 });
    expect(allowanceOf(policyOf(50), {})).toEqual({ perListing: 0, reserved: 0 });
  });

  it('never holds more than the fleet limit, and covers every group it is given for', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.record({
          default: fc.integer({ min: 0, max: 40 }),
          big: fc.integer({ min: 0, max: 40 }),
          shells: fc.integer({ min: 0, max: 40 }),
        }),
        (limit, counts) => {
          const policy = policyOf(limit);
          const groups = Object.fromEntries(
            Object.entries(counts).map(([name, n]) => [name, hosts(n)])
          );
          const { perListing, reserved } = allowanceOf(policy, groups);
          expect(reserved).toBeLessThanOrEqual(limit);
          if (perListing === 0) return;
          for (const [name, n] of Object.entries(counts)) {
            if (n > 0) {
              expect(perListing).toBeGreaterThanOrEqual(
                resolveGroup(policy, name).maxActionsPerHost
              );
            }
          }
        }
      )
    );
  });
});
