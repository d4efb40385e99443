import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { isTerminal } from '../../lib/actions/transitions.js';
import { startRuntime } from '../../local/runtime/runtime.js';
import { FULL, recordFigures } from './corpus.js';

// `npm start` SIGKILLed in the middle of its sweeps (no clean stop: in-flight commands, queued
// status events and half-done handlers die with it) and started again on the same data dir: five
// times in the full run, once in the quick form (each start compiles and boots the runtime, ~4
// CPU-s). Afterwards every action the ledger holds is terminal and none was sent twice.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'local/main.ts');
const FLEET = 20;
const SEED = 9;
const KILLS = FULL ? 5 : 1;
const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 1000 },
  default: { disconnectIdleMinutes: 5, logoffDisconnectedMinutes: 15, maxActionsPerHost: 50 },
};

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(): { child: ChildProcess; lines: string[]; exited: Promise<unknown> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      ...['--data-dir', join(dir, 'data'), '--port', '0', '--fleet', String(FLEET)],
      ...['--sweep-every', '300ms', '--time-scale', '60', '--seed', String(SEED)],
      ...['--policy', join(dir, 'policy.json')],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, lines, exited };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const actionLine = (line: string) => /\s(disconnect|logoff)\s+\w+/.test(line);

describe('npm start killed mid-sweep and started again on the same data dir', () => {
  it('leaves every action terminal and none sent twice', async () => {
    dir = await mkdtemp(join(tmpdir(), 'janitor-kill-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    let actionLines = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const run = start();
      await until(() => run.lines.some((l) => l.includes('Ctrl-C stops.')), 60_000);
      // Killed while it works: once it has finished some actions, at a moment it is sweeping.
      await until(() => run.lines.filter(actionLine).length >= 2, 60_000);
      await until(() => run.lines.at(-2)?.includes(' sweep ') ?? false, 30_000).catch(() => null);
      run.child.kill('SIGKILL');
      await run.exited;
      actionLines += run.lines.filter(actionLine).length;
    }
    // A last run long enough for every action's deadline to pass (an hour of simulated time per
    // real second), then a clean stop.
    const last = start();
    await until(() => last.lines.some((l) => l.includes('Ctrl-C stops.')), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    last.child.kill('SIGTERM');
    await last.exited;

    const runtime = await startRuntime({
      port: 0,
      fleet: FLEET,
      sweepEveryMs: Number.POSITIVE_INFINITY,
      seed: SEED,
      policyFile: join(dir, 'policy.json'),
      timeScale: 0,
      dataDir: join(dir, 'data'),
      inMemory: false,
      janitorDir: dir,
      liveSessions: false,
      idleEvents: false,
      hostScript: 'typescript',
    });
    try {
      const actions: Action[] = [];
      for (const { instanceId } of runtime.fleet.instances()) {
        actions.push(...(await runtime.ledger.listByHost(instanceId, { limit: 1000 })).items);
      }
      const byStatus: Record<string, number> = {};
      for (const a of actions) {
        const key = a.result?.errorCode ? `${a.status}:${a.result.errorCode}` : a.status;
        byStatus[key] = (byStatus[key] ?? 0) + 1;
      }
      recordFigures('kill', { kills: KILLS, actions: actions.length, byStatus, actionLines });
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(isTerminal(action.status), `${action.id} ${action.status}`).toBe(true);
        expect(action.attempts, action.id).toBeLessThanOrEqual(1);
      }
    } finally {
      await runtime.stop();
    }
  }, 300_000);
});
