import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { type Runtime, startRuntime } from '../../local/runtime/runtime.js';

/**
 * `npm start` twice on the same data directory: the ledger of the first run is still there, so
 * the second run must neither reuse its command ids (an old action would name a new command),
 * nor start its clock before what the ledger already recorded (new actions sorting before old
 * ones, open actions invisible to reconcile, sweep ids colliding).
 */

const POLICY = {
  version: 1,
  default: { disconnectIdleMinutes: 30, logoffDisconnectedMinutes: 120 },
};

let dir: string;

async function start(): Promise<Runtime> {
  return startRuntime({
    port: 0,
    fleet: 12,
    sweepEveryMs: Number.POSITIVE_INFINITY,
    seed: 7,
    policyFile: join(dir, 'policy.json'),
    timeScale: 0,
    dataDir: join(dir, 'data'),
    inMemory: false,
    janitorDir: dir,
    durationScale: 0,
    liveSessions: false,
    idleEvents: false,
    ssmTiming: { pendingMs: 1, msPerSecond: 1, eventDelayMs: 1 },
    hostScript: 'typescript',
  });
}

async function everyAction(runtime: Runtime): Promise<Action[]> {
  const all: Action[] = [];
  for (const { instanceId } of runtime.fleet.instances()) {
    all.push(...(await runtime.ledger.listByHost(instanceId, { limit: 1000 })).items);
  }
  return all;
}

/** The latest time the ledger holds: every step of every action. */
function latest(actions: readonly Action[]): number {
  return Math.max(
    ...actions.flatMap((a) => Object.values(a.timestamps).map((t) => Date.parse(t ?? '')))
  );
}

describe('a restart on the same data directory', () => {
  let first: { commandIds: Set<string>; actions: Action[]; sweepIds: string[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'janitor-restart-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    const runtime = await start();
    try {
      const host = runtime.fleet.instances().find((i) => i.computerName === 'RDSH-US-02');
      if (!host) throw new Error('no RDSH-US-02');
      runtime.fleet.addSession(host.instanceId, { user: 'CORP\\run.one', idleMinutes: 40 });
      const sweepIds: string[] = [];
      // The first run's clock runs ahead of real time, as `--time-scale` makes it.
      for (const minutes of [0, 90, 90]) {
        runtime.fleet.advance(minutes);
        sweepIds.push((await runtime.sweepNow(runtime.fleet.now())).sweepId);
        await runtime.settle();
      }
      first = {
        commandIds: new Set(runtime.ssm.commands().map((c) => c.commandId)),
        actions: await everyAction(runtime),
        sweepIds,
      };
    } finally {
      await runtime.stop();
    }
    expect(first.actions.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('issues command ids the first run never issued, resumes the clock, and leaves old actions alone', async () => {
    const runtime = await start();
    try {
      // The clock resumes past everything the first run recorded.
      expect(runtime.fleet.now().getTime()).toBeGreaterThan(latest(first.actions));

      const host = runtime.fleet.instances().find((i) => i.computerName === 'RDSH-US-02');
      if (!host) throw new Error('no RDSH-US-02');
      runtime.fleet.addSession(host.instanceId, { user: 'CORP\\run.two', idleMinutes: 40 });
      const sweep = await runtime.sweepNow(runtime.fleet.now());
      await runtime.settle();
      expect(sweep.repeated).toBe(false);
      expect(first.sweepIds).not.toContain(sweep.sweepId);

      const second = runtime.ssm.commands().map((c) => c.commandId);
      expect(second.length).toBeGreaterThan(0);
      expect(second.filter((id) => first.commandIds.has(id))).toEqual([]);

      const after = await everyAction(runtime);
      const old = new Map(first.actions.map((a) => [a.id, a]));
      for (const action of after.filter((a) => old.has(a.id))) {
        expect(action).toEqual(old.get(action.id));
      }
      // The second run's actions sort after the first run's on every host.
      const fresh = after.filter((a) => !old.has(a.id));
      expect(fresh.length).toBeGreaterThan(0);
      for (const action of fresh) {
        expect(Date.parse(action.createdAt)).toBeGreaterThan(latest(first.actions));
      }
    } finally {
      await runtime.stop();
    }
  });
});
