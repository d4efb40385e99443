// Help-desk tickets through the API of the local runtime (the gateway with its JWT check, the api
// function, the local SSM, the status queue, command-status, dynalite): each ticket is a POST
// /v1/actions (a notify of a session whose user the caller names), then GET /v1/actions/{id} every
// 50 ms until the action is terminal. At concurrency 1, 16 and 64: tickets per second, and p50/p99
// of the POST. A ticket not terminal within a minute fails the run (it says where it stopped).
// Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime/runtime.js';

const QUICK = process.env.BENCH_QUICK === '1';
/** Tickets per level: enough for a p99 (at least 100; --quick: a look, not a p99). */
const LEVELS = [
  { concurrency: 1, tickets: QUICK ? 5 : 100 },
  { concurrency: 16, tickets: QUICK ? 16 : 200 },
  { concurrency: 64, tickets: QUICK ? 32 : 256 },
];
const TERMINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const POLL_MS = 50;
const TICKET_TIMEOUT_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'janitor-bench-api-'));
const runtime = await startRuntime({
  port: 0,
  fleet: 12,
  sweepEveryMs: Number.POSITIVE_INFINITY,
  seed: 1,
  policyFile: null,
  // SSM's delays cost next to no real time: what is measured is the service, not Run Command.
  timeScale: 600,
  dataDir: dir,
  inMemory: true,
  hostScript: 'typescript',
  janitorDir: dir,
  liveSessions: false,
  idleEvents: false,
  // What is measured is the service behind the stage, not the stage's throttle (apiThrottle).
  apiThrottle: null,
});
const targets = runtime.fleet
  .instances()
  .filter((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true')
  .flatMap((i) =>
    runtime.fleet
      .host(i.instanceId)
      .sessions.filter((s) => !s.console)
      .map((s) => ({ instanceId: i.instanceId, sessionId: s.id, userName: s.userName }))
  );
const headers = { authorization: `Bearer ${runtime.token}`, 'content-type': 'application/json' };

let ticket = 0;
async function oneTicket(): Promise<number> {
  const n = ticket++;
  const target = targets[n % targets.length];
  if (!target) throw new Error('no session to notify');
  const body = JSON.stringify({
    operation: 'notify',
    ...target,
    ticketId: `BENCH-${n}`,
    reason: 'benchmark ticket',
    message: 'Please save your work',
  });
  const started = performance.now();
  const posted = await fetch(`${runtime.apiUrl}/v1/actions`, { method: 'POST', headers, body });
  const postMs = performance.now() - started;
  if (posted.status !== 202) throw new Error(`POST ${posted.status}: ${await posted.text()}`);
  const { actionId } = (await posted.json()) as { actionId: string };
  for (;;) {
    const got = await fetch(`${runtime.apiUrl}/v1/actions/${actionId}`, { headers });
    const action = (await got.json()) as { status: string };
    if (TERMINAL.has(action.status)) break;
    if (performance.now() - started > TICKET_TIMEOUT_MS) {
      throw new Error(`ticket ${n} not terminal after a minute: ${JSON.stringify(action)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return postMs;
}

async function level(concurrency: number, tickets: number) {
  const postMs: number[] = [];
  let left = tickets;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        postMs.push(await oneTicket());
      }
    })
  );
  const seconds = (performance.now() - started) / 1000;
  postMs.sort((a, b) => a - b);
  const at = (q: number) => postMs[Math.min(postMs.length - 1, Math.floor(q * postMs.length))] ?? 0;
  return {
    concurrency,
    tickets,
    ticketsPerSecond: Number((tickets / seconds).toFixed(1)),
    postP50Ms: Number(at(0.5).toFixed(1)),
    postP99Ms: Number(at(0.99).toFixed(1)),
  };
}

try {
  await level(4, 20); // warm-up: first imports, connections
  const levels = [];
  for (const { concurrency, tickets } of LEVELS) levels.push(await level(concurrency, tickets));
  console.log(JSON.stringify({ operation: 'notify', levels }));
} finally {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
}
