import { describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { type Harness, startHarness } from './harness.js';

/**
 * What the blast-radius limits hold where a group sets `shells` (README, Policy): the fleet
 * limit counts shell ends with session actions; `maxActionsPerHost` bounds each listing of a
 * host, its sessions' and its shells', apart.
 */
function policyOf(maxActionsPerSweep: number) {
  return {
    version: 1,
    fleet: { maxActionsPerSweep },
    default: {
      disconnectIdleMinutes: 600,
      maxActionsPerHost: 2,
      shells: { endDisconnectedAfterMinutes: 600 },
    },
  };
}

/** Three sessions and three shells on the first host, all past the policy. */
function overThePolicy(h: Harness): string {
  const host = h.instance(0);
  for (const n of [1, 2, 3]) {
    h.fleet.addSession(host, { user: `CORP\\limit${n}`, idleMinutes: 700, loggedOnMinutes: 800 });
    h.fleet.addShell(host, {
      owner: `CORP\\shell${n}`,
      state: 'Disconnected',
      inactiveMinutes: 700,
      idleTimeoutMinutes: 1000,
    });
  }
  return host;
}

async function sweepActions(h: Harness, sweepId: string): Promise<Action[]> {
  const all = (await Promise.all([0, 1].map((i) => h.actionsOf(h.instance(i))))).flat();
  return all.filter((a) => a.trigger.kind === 'schedule' && a.trigger.sweepId === sweepId);
}

const sent = (actions: readonly Action[], shells: boolean) =>
  actions.filter((a) => a.commandId !== null && (a.target.kind === 'shell') === shells).length;

describe('blast-radius limits with shells', () => {
  it('bound a host by maxActionsPerHost per listing: its session actions, and its shell ends apart', async () => {
    const h = await startHarness({ policy: policyOf(100) });
    try {
      const host = overThePolicy(h);
      const { sweepId } = (await h.sweepAt(h.fleet.now())) as { sweepId: string };
      await h.settle();

      const ofHost = (await sweepActions(h, sweepId)).filter((a) => a.instanceId === host);
      expect(sent(ofHost, false)).toBe(2);
      expect(sent(ofHost, true)).toBe(2);
      const heldShells = ofHost.filter((a) => a.target.kind === 'shell' && a.commandId === null);
      expect(heldShells.map((a) => a.result?.errorCode)).toEqual(['policy:host-limit']);
    } finally {
      await h.close();
    }
  });

  it('count shell ends against the fleet limit together with session actions', async () => {
    const h = await startHarness({ policy: policyOf(3) });
    try {
      overThePolicy(h);
      const { sweepId } = (await h.sweepAt(h.fleet.now())) as { sweepId: string };
      await h.settle();

      const actions = await sweepActions(h, sweepId);
      expect(sent(actions, false) + sent(actions, true)).toBe(3);
      const sweep = await h.runtime.ledger.getSweep(sweepId);
      const counted = await h.runtime.ledger.summarizeSweepActions(sweepId);
      expect((sweep?.counters.actionsPlanned ?? 0) + counted.counted.actionsPlanned).toBe(3);
      expect(actions.some((a) => a.result?.errorCode === 'policy:fleet-limit')).toBe(true);
    } finally {
      await h.close();
    }
  });
});
