import { describe, expect, it } from 'vitest';
import type { Observer, SweepRun } from '../../../lib/dispatch/observer.js';
import { startHarness } from './harness.js';

/**
 * What the dashboard's sweep and throttling widgets are drawn from, as the real functions report
 * it: the sweep and command-status handlers on the real SDK clients against the local SSM (which
 * throttles half its calls here) and dynalite.
 */
function recordingObserver() {
  const seen = {
    sweeps: [] as SweepRun[],
    throttled: [] as { operation: string; attempt: number }[],
  };
  const observer: Observer = {
    planned: () => undefined,
    finished: () => undefined,
    sweepRan: (sweep) => seen.sweeps.push(sweep),
    ssmThrottled: (operation, attempt) => seen.throttled.push({ operation, attempt }),
    info: () => undefined,
    warn: () => undefined,
  };
  return { seen, observer };
}

describe('sweep and SSM metrics', () => {
  it('reports each sweep with its hosts and duration, and every throttled SSM retry by operation', async () => {
    const { seen, observer } = recordingObserver();
    const h = await startHarness({
      policy: {
        version: 1,
        default: { disconnectIdleMinutes: 1, logoffDisconnectedMinutes: 1, maxActionsPerHost: 50 },
      },
      fleet: { hosts: 3 },
      faults: { throttleRate: 0.5 },
      observer,
    });
    try {
      const started = performance.now();
      await h.sweepAt(h.fleet.now());
      const elapsed = performance.now() - started;
      await h.settle();

      expect(seen.sweeps).toHaveLength(1);
      const [sweep] = seen.sweeps;
      expect(sweep).toMatchObject({ hosts: 3, repeated: false });
      expect(sweep?.durationMs).toBeGreaterThanOrEqual(0);
      expect(sweep?.durationMs).toBeLessThanOrEqual(Math.ceil(elapsed));

      // Half the calls throttled: the sweep's and command-status's calls were retried, each named.
      expect(seen.throttled.length).toBeGreaterThan(0);
      const operations = new Set(seen.throttled.map((t) => t.operation));
      for (const operation of operations) {
        expect(operation).toMatch(
          /^(DescribeInstanceInformation|SendCommand|GetCommandInvocation|ListCommandInvocations|ListCommands)$/
        );
      }
      for (const { attempt } of seen.throttled) expect(attempt).toBeGreaterThanOrEqual(1);
    } finally {
      await h.close();
    }
  });

  it('reports a repeated attempt of a sweep as repeated, with the hosts it found', async () => {
    const { seen, observer } = recordingObserver();
    const h = await startHarness({
      policy: { version: 1, default: { disconnectIdleMinutes: 1 } },
      fleet: { hosts: 2 },
      observer,
    });
    try {
      const at = h.fleet.now();
      await h.sweepAt(at);
      await h.sweepAt(at);
      await h.settle();
      expect(seen.sweeps.map((s) => [s.hosts, s.repeated])).toEqual([
        [2, false],
        [2, true],
      ]);
      expect(seen.throttled).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
