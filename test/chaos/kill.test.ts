import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { isTerminal } from '../../lib/actions/transitions.js';
import { parseComment } from '../../lib/dispatch/comments.js';
import { createLedger } from '../../lib/ledger/ledger.js';
import { localDocumentClient } from '../../local/dynamodb/client.js';
import { startDynalite } from '../../local/dynamodb/server.js';
import { lockDataDir } from '../../local/runtime/lock.js';
import { ssmJournal, startRuntime, TABLE_NAME } from '../../local/runtime/runtime.js';
import { readJournal } from '../../local/ssm/journal.js';
import { FULL, recordFigures } from './corpus.js';
import { commandsPerAction } from './sent.js';

// `npm start` SIGKILLed in the middle of its sweeps (no clean stop: in-flight commands, queued
// status events and half-done handlers die with it) and started again on the same data dir: five
// times in the full run, once in the quick form (each start compiles and boots the runtime, ~4
// CPU-s), with a third of the local SSM's calls throttled. A kill counts only if the ledger it
// left holds a sweep's action still open (planned or dispatched): proof that it landed
// mid-sweep. Afterwards every action is terminal, none was sent twice (the local SSM's journal,
// which outlives each run, counts every command any run sent) and every command sent for an
// action is the one its action records.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'local/main.ts');
const FLEET = 20;
const SEED = 9;
const KILLS = FULL ? 5 : 1;
/** Starts that may miss (the sweep's actions all ended between the look and the kill). */
const MISSES = 3 * KILLS;
const THROTTLE = 0.3;
const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 1000 },
  default: { disconnectIdleMinutes: 5, logoffDisconnectedMinutes: 15, maxActionsPerHost: 50 },
};
/** Past every deadline: `listOverdue` then lists every open action. */
const END_OF_TIME = new Date('9999-12-31T23:59:59Z');

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
      ...['--policy', join(dir, 'policy.json'), '--ssm-throttle', String(THROTTLE)],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, lines, exited };
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The sweeps' actions still open in the ledger behind `endpoint`. */
async function openSweepActions(endpoint: string): Promise<Action[]> {
  const client = localDocumentClient(endpoint);
  try {
    const ledger = createLedger({ client, tableName: TABLE_NAME });
    const open: Action[] = [];
    let cursor: string | null = null;
    do {
      const page = await ledger.listOverdue(END_OF_TIME, { limit: 1000, cursor });
      open.push(
        ...page.items.filter((a) => a.trigger.kind === 'schedule' && !isTerminal(a.status))
      );
      cursor = page.cursor;
    } while (cursor);
    return open;
  } finally {
    client.destroy();
  }
}

/** What a dead run left in the data dir: its open sweep actions, read with the run gone. */
async function leftOpen(): Promise<Action[]> {
  const release = await lockDataDir(join(dir, 'data'));
  const dynamo = await startDynalite({ path: join(dir, 'data', 'dynamodb') });
  try {
    return await openSweepActions(dynamo.endpoint);
  } finally {
    await dynamo.close();
    await release();
  }
}

const actionLine = (line: string) => /\s(disconnect|logoff)\s+\w+/.test(line);

describe('npm start killed mid-sweep and started again on the same data dir', () => {
  it('leaves every action terminal, none sent twice and every command recorded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'janitor-kill-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    let actionLines = 0;
    let misses = 0;
    const openAtKill: number[] = [];
    /** What the kill before left open: the next run's own sweeps must leave something else. */
    let leftovers = new Set<string>();
    const ownOpen = (actions: Action[]) => actions.filter((a) => !leftovers.has(a.id));
    while (openAtKill.length < KILLS) {
      const run = start();
      await until(() => run.lines.some((l) => l.includes('Ctrl-C stops.')), 60_000, 'the start');
      const endpoint = /DynamoDB\s+(http:\/\/\S+)/.exec(run.lines.join('\n'))?.[1];
      expect(endpoint, run.lines.join('\n')).toBeDefined();
      // Killed while it works: once it has finished some actions, the moment one of its own
      // sweeps' actions is open (planned, or sent and not yet back).
      await until(() => run.lines.filter(actionLine).length >= 2, 60_000, 'finished actions');
      await until(
        async () => ownOpen(await openSweepActions(endpoint ?? '')).length > 0,
        30_000,
        "an open action of the run's sweeps"
      );
      run.child.kill('SIGKILL');
      await run.exited;
      actionLines += run.lines.filter(actionLine).length;
      const open = await leftOpen();
      if (ownOpen(open).length > 0) openAtKill.push(ownOpen(open).length);
      else if (++misses > MISSES) throw new Error(`no kill of ${misses} landed mid-sweep`);
      leftovers = new Set(open.map((a) => a.id));
    }
    // A last run long enough for every action's deadline to pass (an hour of simulated time per
    // real second), then a clean stop.
    const last = start();
    await until(() => last.lines.some((l) => l.includes('Ctrl-C stops.')), 60_000, 'the start');
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
      // Every run's commands: each run's local SSM journalled them in the data dir.
      const acting = readJournal(ssmJournal(join(dir, 'data'))).filter(
        (c) => parseComment(c.comment)?.kind === 'action'
      );
      const perAction = commandsPerAction(acting);
      const byId = new Map(actions.map((a) => [a.id, a]));
      /** Commands for an action the ledger does not hold as sent with that very command. */
      const unrecorded = acting.filter((c) => {
        const purpose = parseComment(c.comment);
        const action = purpose?.kind === 'action' ? byId.get(purpose.actionId) : undefined;
        return action?.commandId !== c.commandId;
      });
      const byStatus: Record<string, number> = {};
      for (const a of actions) {
        const key = a.result?.errorCode ? `${a.status}:${a.result.errorCode}` : a.status;
        byStatus[key] = (byStatus[key] ?? 0) + 1;
      }
      recordFigures('kill', {
        kills: KILLS,
        misses,
        openAtKill,
        throttleRate: THROTTLE,
        actions: actions.length,
        byStatus,
        actionLines,
        actionCommands: acting.length,
        sentTwice: [...perAction.values()].filter((n) => n > 1).length,
        unrecordedCommands: unrecorded.length,
      });
      expect(actions.length).toBeGreaterThan(0);
      expect(acting.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(isTerminal(action.status), `${action.id} ${action.status}`).toBe(true);
        expect(perAction.get(action.id) ?? 0, action.id).toBeLessThanOrEqual(1);
        // Every action the ledger says was sent was sent, by one of the runs.
        if (action.commandId) expect(perAction.get(action.id), action.id).toBe(1);
      }
      expect([...perAction.entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect(unrecorded.map((c) => `${c.commandId} ${c.comment}`)).toEqual([]);
    } finally {
      await runtime.stop();
    }
  }, 300_000);
});
