// One sweep of a fleet of 100, 1,000 and 10,000 hosts (--quick: 100 and 300) through the
// production code paths: the four handlers of the local runtime (startRuntime), the local SSM through
// the real SDK, dynalite, the event bus and the status queue with SQS semantics, on the simulated
// clock at its fastest. Every host has 10 sessions (its console, its seeded users, then more), 3 of
// them idle past bench/sweep-policy.json. Each fleet runs in a fresh process (its peak RSS is its
// own), three times below 10,000 hosts (the median is reported); `tsx bench/sweep.bench.ts 1000`
// runs one. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseComment } from '../lib/dispatch/comments.js';
import { type Runtime, startRuntime } from '../local/runtime/runtime.js';

const QUICK = process.env.BENCH_QUICK === '1';
const FLEETS = QUICK ? [100, 300] : [100, 1000, 10_000];
/**
 * Runs of each fleet below 10,000 hosts; the median (by wall time) is reported. On a shared 2-core
 * machine a 35 s run varies by a fifth from one run to the next, and the growth ratio divides by
 * it; a 10,000-host run lasts minutes, long enough to average such bursts out by itself.
 */
const RUNS_BELOW_10K = QUICK ? 1 : 3;
/**
 * Each fleet's process. `--max-semi-space-size=32` (V8's default on this machine is 16 MiB):
 * the functions of a whole fleet share this one heap with the emulators (five command-status
 * batches and their SDK requests in flight at once), where in Lambda each function instance has
 * a heap of its own. With 16 MiB the young generation filled twice as often, and each scavenge
 * copied and promoted what those requests held: collection time grew faster than the fleet
 * (10,000 hosts: 25.7 s of 409; with 32 MiB 16.8 s of 347; 1,000 hosts about 1 s either way).
 * nodejs/node#42511 and nodejs/performance#67 measured the same flag on server workloads.
 */
const NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=32'];
const SESSIONS_PER_HOST = 10;
/**
 * Of those, past the bench policy (10 days): one active idle 3 weeks (disconnect), two
 * disconnected 4 weeks (logoff). The seeded users are idle for at most a day and a half, so they stay
 * days inside the policy, however far the simulated clock runs during the sweep.
 */
const PAST_POLICY = [
  { state: 'active', idleMinutes: 30_000, loggedOnMinutes: 30_100 },
  { state: 'disconnected', idleMinutes: 40_000, loggedOnMinutes: 40_100 },
  { state: 'disconnected', idleMinutes: 41_000, loggedOnMinutes: 41_100 },
] as const;
const POLICY_FILE = fileURLToPath(new URL('./sweep-policy.json', import.meta.url));
/** SSM reads, the calls discovery is measured by. */
const SSM_READS = new Set(['GetCommandInvocation', 'ListCommandInvocations']);
const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

if (process.argv[2] !== undefined) {
  const hosts = Number(process.argv[2]);
  if (!Number.isInteger(hosts) || hosts < 1) throw new Error(`bad fleet size ${process.argv[2]}`);
  console.log(JSON.stringify(await sweepOnce(hosts)));
} else {
  const fleets: Record<string, ReturnType<typeof JSON.parse>> = {};
  for (const hosts of FLEETS) {
    const runs = Array.from({ length: hosts < 10_000 ? RUNS_BELOW_10K : 1 }, () => fleetRun(hosts));
    const byWall = [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds);
    fleets[hosts] = {
      ...byWall[Math.floor(byWall.length / 2)],
      ...(runs.length > 1 ? { wallSecondsOfRuns: runs.map((run) => run.wallSeconds) } : {}),
    };
  }
  const largest = fleets[FLEETS[FLEETS.length - 1] ?? 0];
  const ratio =
    fleets[10_000] && fleets[1000]
      ? round(fleets[10_000].wallSeconds / fleets[1000].wallSeconds, 2)
      : null;
  const cpuRatio =
    fleets[10_000] && fleets[1000]
      ? round(fleets[10_000].cpuSeconds / fleets[1000].cpuSeconds, 2)
      : null;
  console.log(
    JSON.stringify({
      fleets,
      wallRatio10kTo1k: ratio,
      cpuRatio10kTo1k: cpuRatio,
      goals: {
        discoverySendCommandPerHost: goal(largest.ssm.discoverySendCommandPerHost, 0.02),
        discoveryReadsPerHost: goal(largest.ssm.discoveryReadsPerHost, 0.05, 0.02),
        dynamoWritesPerAction: goal(largest.dynamodb.writesPerAction, 3),
        dynamoHistoryReadsPerHost: goal(largest.dynamodb.historyReadsPerHost, 1),
        ...(fleets[10_000]
          ? {
              tenThousandHostsWallSeconds: goal(fleets[10_000].wallSeconds, 600),
              wallRatio10kTo1k: goal(ratio ?? Number.POSITIVE_INFINITY, 11),
            }
          : {}),
      },
    })
  );
}

function fleetRun(hosts: number) {
  console.error(`bench: sweep of ${hosts} hosts…`);
  const run = spawnSync(
    process.execPath,
    [...NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url), String(hosts)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 }
  );
  if (run.status !== 0) throw new Error(`sweep of ${hosts} hosts exited ${run.status}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null');
}

function goal(measured: number, target: number, stretch?: number) {
  return {
    measured,
    target,
    meetsTarget: measured <= target,
    ...(stretch === undefined ? {} : { stretch, meetsStretch: measured <= stretch }),
  };
}

async function sweepOnce(hosts: number) {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-bench-sweep-'));
  let lastFinishedAt = 0;
  let finished = 0;
  const warnings = new Map<string, number>();
  const runtime = await startRuntime({
    port: 0,
    // The default fleet's first twelve include one host that lost SSM and one unmanaged: never swept.
    fleet: hosts + 2,
    sweepEveryMs: Number.POSITIVE_INFINITY,
    seed: 1,
    policyFile: POLICY_FILE,
    // The fastest clock: SSM's delays (a second and a half pending, half a second for an event,
    // the status queue's batching window) cost next to no real time. The clock stands still while
    // a function runs, so how far it runs depends on how often the pipeline waits, not on speed.
    timeScale: 600,
    dataDir: dir,
    inMemory: true,
    // Two cores: the table's work and heap on the second, the functions, SSM and fleet on this.
    dynamodbThread: true,
    hostScript: 'typescript',
    janitorDir: dir,
    liveSessions: false,
    idleEvents: false,
    log: (line) => {
      // One line per finished action (see printingObserver); sweep lines name the sweep.
      if (line.includes(' sweep sw-')) return;
      if (line.includes('  warning: ')) {
        const what = line.slice(line.indexOf('warning: ') + 9).split(' {')[0] ?? line;
        warnings.set(what, (warnings.get(what) ?? 0) + 1);
        return;
      }
      finished++;
      lastFinishedAt = performance.now();
    },
  });
  try {
    const asked = fillSessions(runtime);
    if (asked !== hosts) throw new Error(`${asked} hosts would be swept, not ${hosts}`);
    const ssm = countSsm(runtime.clients.ssm);
    const dynamo = countDynamo(runtime.clients.ddb);
    const gc = gcPauses();
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const simulatedStart = runtime.fleet.now().getTime();
    const sweep = await runtime.sweepNow();
    await runtime.settle();
    const settledAt = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    const gcSeconds = gc.stop();
    const simulatedMinutes = (runtime.fleet.now().getTime() - simulatedStart) / 60_000;
    const invocations = runtime.invocations();
    const retained = retainedHeap();
    const ledger = await actionsByStatus(runtime.dynamodbEndpoint);
    const actions = Object.values(ledger).reduce((n, c) => n + c, 0);
    const open = (ledger.planned ?? 0) + (ledger.dispatched ?? 0);
    if (open > 0 || finished !== actions || (ledger.succeeded ?? 0) < PAST_POLICY.length * hosts) {
      throw new Error(
        `not every action is terminal: ${JSON.stringify(ledger)}, ${finished} lines; warnings: ${JSON.stringify(Object.fromEntries(warnings))}`
      );
    }
    if (sweep.commandIds.length !== Math.ceil(hosts / 50)) {
      throw new Error(`${sweep.commandIds.length} listing commands for ${hosts} hosts`);
    }
    const ssmOps = ssm.all();
    const listingOps = ssm.listing();
    const dynamoOps = dynamo.all();
    const sum = (ops: Record<string, number>, names: Set<string>) =>
      Object.entries(ops)
        .filter(([op]) => names.has(op.split(':')[0] ?? op))
        .reduce((n, [, c]) => n + c, 0);
    const listingReads = sum(listingOps, SSM_READS);
    return {
      hosts,
      sessionsPerHost: SESSIONS_PER_HOST,
      actions,
      actionsByStatus: ledger,
      wallSeconds: round(((lastFinishedAt || settledAt) - started) / 1000, 2),
      settledSeconds: round((settledAt - started) / 1000, 2),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
      gcSeconds: round(gcSeconds, 2),
      simulatedMinutes: round(simulatedMinutes, 1),
      ssm: {
        byOperation: ssmOps,
        discoveryByOperation: listingOps,
        discoverySendCommandPerHost: round((listingOps.SendCommand ?? 0) / hosts, 4),
        discoveryReadsPerHost: round(listingReads / hosts, 4),
        readsPerAction: round((sum(ssmOps, SSM_READS) - listingReads) / actions, 3),
        sendCommandPerAction: round(
          ((ssmOps.SendCommand ?? 0) - (listingOps.SendCommand ?? 0)) / actions,
          3
        ),
      },
      dynamodb: {
        byOperation: dynamoOps,
        perHost: perUnit(dynamoOps, hosts),
        perAction: perUnit(dynamoOps, actions),
        writesPerAction: round(sum(dynamoOps, DYNAMO_WRITES) / actions, 3),
        readsPerHost: round(sum(dynamoOps, DYNAMO_READS) / hosts, 3),
        historyReadsPerHost: round((dynamoOps['Query:byHost'] ?? 0) / hosts, 3),
      },
      invocations,
      /** Warning lines by their first words (a redelivered listing, a send retried…). */
      warnings: sorted(Object.fromEntries(warnings)),
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 0),
      ...retained,
    };
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds the main thread stood in garbage collections from now until `stop()`. */
function gcPauses(): { stop(): number } {
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) ms += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      for (const entry of observer.takeRecords()) ms += entry.duration;
      observer.disconnect();
      return ms / 1000;
    },
  };
}

/**
 * What the process still holds once the sweep settled, after a full collection (with
 * `--expose-gc`, as the bench runs each fleet): the emulators' state (dynalite's items, the local
 * SSM's commands, the fleet), which a deployment does not hold. `arrayBuffersMiB` is the share of
 * it in Buffers and other ArrayBuffers, outside the JS heap.
 */
function retainedHeap(): { retainedHeapMiB?: number; arrayBuffersMiB?: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return {};
  gc();
  const memory = process.memoryUsage();
  return {
    retainedHeapMiB: round(memory.heapUsed / 2 ** 20, 0),
    arrayBuffersMiB: round(memory.arrayBuffers / 2 ** 20, 0),
  };
}

/** Every swept host gets 10 sessions, three of them past the policy; returns how many are swept. */
function fillSessions(runtime: Runtime): number {
  let swept = 0;
  for (const instance of runtime.fleet.instances()) {
    if (instance.pingStatus !== 'Online' || instance.tags['session-janitor:managed'] !== 'true') {
      continue;
    }
    swept++;
    const { sessions } = runtime.fleet.host(instance.instanceId);
    const add = (n: number, input: Omit<Parameters<Runtime['fleet']['addSession']>[1], 'user'>) =>
      runtime.fleet.addSession(instance.instanceId, { user: `CORP\\bench.user${n}`, ...input });
    PAST_POLICY.forEach((session, n) => {
      add(n, session);
    });
    for (let n = sessions.length + PAST_POLICY.length; n < SESSIONS_PER_HOST; n++) {
      add(n, { state: 'active', idleMinutes: 1, loggedOnMinutes: 30 });
    }
  }
  return swept;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * SSM calls by operation, and separately those about a sweep's listing commands (SendCommand with
 * a sweep comment, and every read of such a command). Counted per send: the SSM client makes one
 * attempt per send (the code retries itself), so each is one request on the wire.
 */
function countSsm(client: SSMClient) {
  const all: Record<string, number> = {};
  const listing: Record<string, number> = {};
  const listingCommands = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { CommandId?: string; Comment?: string };
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      increment(all, operation);
      const sweep = parseComment(input.Comment ?? '')?.kind === 'sweep';
      if (sweep || (input.CommandId && listingCommands.has(input.CommandId))) {
        increment(listing, operation);
      }
      const result = await next(args);
      const id = (result as { output?: { Command?: { CommandId?: string } } }).output?.Command
        ?.CommandId;
      if (sweep && id) listingCommands.add(id);
      return result;
    },
    { step: 'initialize', name: 'benchCountSsm' }
  );
  return { all: () => sorted(all), listing: () => sorted(listing) };
}

/** DynamoDB requests on the wire (after the SDK's retries), by operation and item or index. */
function countDynamo(client: DynamoDBDocumentClient) {
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      const operation = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      const body =
        request.body instanceof Uint8Array
          ? new TextDecoder().decode(request.body)
          : String(request.body ?? '');
      const kind =
        operation === 'Query'
          ? (/"IndexName":"([^"]+)"/.exec(body)?.[1] ?? 'table')
          : (/"pk":\{"S":"([A-Z]+)#/.exec(body)?.[1]?.toLowerCase() ?? 'other');
      increment(counts, `${operation}:${kind}`);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchCountDynamo' }
  );
  return { all: () => sorted(counts) };
}

async function actionsByStatus(endpoint: string): Promise<Record<string, number>> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  const counts: Record<string, number> = {};
  for await (const page of paginateScan(
    { client },
    {
      TableName: 'session-janitor-actions',
      FilterExpression: 'sk = :a',
      ExpressionAttributeValues: { ':a': { S: 'ACTION' } },
      ProjectionExpression: '#s',
      ExpressionAttributeNames: { '#s': 'status' },
    }
  )) {
    for (const item of page.Items ?? []) {
      const status = item.status?.S ?? 'unknown';
      counts[status] = (counts[status] ?? 0) + 1;
    }
  }
  client.destroy();
  return counts;
}

function perUnit(ops: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, round(c / n, 3)]));
}
