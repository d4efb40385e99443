import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { isTerminal } from '../../lib/actions/transitions.js';
import { type LocalDynamo, startDynalite } from '../../local/dynamodb/server.js';
import { type Harness, sample, startHarness } from '../integration/functions/harness.js';
import { FULL, recordFigures } from './corpus.js';
import { FAULT_POLICY, invokeAsync } from './runs.js';
import { commandsPerAction } from './sent.js';

// DynamoDB goes away in the middle of sweeps (dynalite closed, then started again on the same
// port and data dir) while listings are answered and actions are being recorded and sent: a
// sweep invocation that fails is retried as Lambda retries it, a batch of status records that
// fails is received again (or dead-lettered, its actions then settled by reconcile). Then
// every action the rounds planned is terminal, none was sent twice, no command is unrecorded.

const HOSTS = FULL ? 200 : 12;
const ROUNDS = FULL ? 6 : 3;
const OUTAGE_MS = 400;
let dir: string;
let port: number;
let dynamo: LocalDynamo;
let h: Harness;
let restarts = 0;
const sweepFailures: string[] = [];
const figures: Record<string, unknown> = { hosts: HOSTS };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'janitor-dynalite-'));
  port = await freePort();
  dynamo = await startDynalite({ port, path: join(dir, 'db') });
  h = await startHarness({
    policy: FAULT_POLICY,
    fleet: { hosts: HOSTS, seed: 23 },
    deliverTwice: true,
    dynamodbEndpoint: dynamo.endpoint,
  });
}, 60_000);
afterAll(async () => {
  recordFigures('dynalite-restart', figures);
  await h?.close();
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A sweep that fails on the outage is retried, each retry after the outage's length. */
function deliver(event: unknown): Promise<boolean> {
  return invokeAsync(() => h.sweep(event), sweepFailures, OUTAGE_MS);
}

async function sweepEvent() {
  const notification = await sample('scheduler/default-notification.json');
  return { ...notification, id: crypto.randomUUID(), time: h.fleet.now().toISOString() };
}

/** A sweep, and while its listings come back and its actions go out, DynamoDB restarts. */
async function sweepThroughRestart(afterMs: number): Promise<boolean> {
  const event = await sweepEvent();
  const swept = deliver(event);
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  await dynamo.close();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  dynamo = await startDynalite({ port, path: join(dir, 'db') });
  restarts++;
  const done = await swept;
  await h.settle();
  return done;
}

describe('DynamoDB restarted in the middle of sweeps', () => {
  it(
    'leaves every action of the rounds terminal, none sent twice, none unrecorded',
    async () => {
      const delivered: boolean[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        delivered.push(await sweepThroughRestart(20 + round * 40));
        h.fleet.advance(10);
      }
      // Past every deadline of the rounds, with DynamoDB up: reconcile settles what is left.
      let reconcilingFrom = Number.POSITIVE_INFINITY;
      for (let sweep = 0; sweep < 3; sweep++) {
        h.fleet.advance(5);
        reconcilingFrom = Math.min(reconcilingFrom, h.fleet.now().getTime());
        delivered.push(await deliver(await sweepEvent()));
        await h.settle();
      }

      const ids = h.fleet.instances().map((i) => i.instanceId);
      const actions: Action[] = (await Promise.all(ids.map((id) => h.actionsOf(id)))).flat();
      const perAction = commandsPerAction(h.ssm.commands());
      const known = new Set(actions.map((a) => a.id));
      const owed = (a: Action) => a.deadline === null || Date.parse(a.deadline) <= reconcilingFrom;
      const byStatus: Record<string, number> = {};
      for (const action of actions) {
        const key = `${action.status}${action.result?.errorCode ? ` ${action.result.errorCode}` : ''}`;
        byStatus[key] = (byStatus[key] ?? 0) + 1;
      }
      Object.assign(figures, {
        restarts,
        outageMs: OUTAGE_MS,
        actions: actions.length,
        byStatus,
        sentTwice: [...perAction.values()].filter((n) => n > 1).length,
        unrecordedCommands: [...perAction.keys()].filter((id) => !known.has(id)).length,
        openBeforeDeadline: actions.filter((a) => !isTerminal(a.status) && !owed(a)).length,
        sweepAttemptsFailed: sweepFailures.length,
        statusBatchesDeadLettered: h.deadLetters.length,
      });

      expect(restarts).toBe(ROUNDS);
      expect(actions.length).toBeGreaterThan(FULL ? 400 : 20);
      expect(delivered.every(Boolean)).toBe(true);
      for (const action of actions) {
        const detail = JSON.stringify(action);
        if (owed(action)) expect(isTerminal(action.status), detail).toBe(true);
        else if (!isTerminal(action.status)) expect(action.status, detail).toBe('dispatched');
      }
      expect(figures.sentTwice).toBe(0);
      expect(figures.unrecordedCommands).toBe(0);
      for (const action of actions.filter((a) => a.commandId)) {
        expect(perAction.get(action.id), action.id).toBe(1);
      }
    },
    FULL ? 900_000 : 120_000
  );
});
