// Cold start of each function's production bundle: built with the stack's own esbuild settings
// (cdk/bundling/bundle.ts), then, ten times, a fresh Node process that imports it and handles one
// sample event against dynalite and the local SSM running in this process, with nothing but the
// environment a function gets (as test/infra/bundle.test.ts does). For each: the bundle's size in
// bytes and the packages that dominate it, and the median of ten runs of the time from the child
// process's start to its answer (Node's own start included) and of the import alone.
// Prints one JSON line.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, MAX_BUNDLE_BYTES } from '../cdk/bundling/bundle.js';
import { createLedgerTable } from '../lib/ledger/table.js';
import { startDynalite } from '../local/dynamodb/server.js';
import { createFleet } from '../local/fleet/fleet.js';
import { startLocalSsm } from '../local/ssm/server.js';

const RUNS = process.env.BENCH_QUICK === '1' ? 3 : 10;
const TARGET_MS = 300;
const FUNCTIONS = ['sweep', 'command-status', 'idle-event', 'api'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

const dir = mkdtempSync(join(tmpdir(), 'janitor-bench-cold-'));
const dynamo = await startDynalite();
const fleet = createFleet({ seed: 11, liveSessions: false, durationScale: 0 });
const ssm = await startLocalSsm({ fleet, timing: { pendingMs: 5, eventDelayMs: 1 } });
const tableName = 'session-janitor-actions';
const admin = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
});
await createLedgerTable(admin, tableName);
admin.destroy();

const host = fleet.instances().find((i) => i.computerName === 'RDSH-US-01');
const session = fleet.host(String(host?.instanceId)).sessions.find((s) => !s.console);
if (!host || !session) throw new Error('the bench fleet has no session to notify');

const sample = (path: string) => JSON.parse(readFileSync(`events/${path}`, 'utf8'));
/** One sample event per function, naming a host and a session the local fleet has. */
function eventFor(name: FunctionName, run: number): unknown {
  switch (name) {
    case 'sweep':
      return sample('scheduler/default-notification.json');
    case 'command-status':
      return sample('sqs/command-status-batch.json');
    case 'idle-event': {
      const event = sample('session-idle/active.json');
      event.resources = [`arn:aws:ec2:us-east-1:000000000000:instance/${host?.instanceId}`];
      event.detail = {
        ...event.detail,
        instanceId: host?.instanceId,
        sessionId: session?.id,
        userName: session?.userName,
        domain: session?.domain,
      };
      return event;
    }
    case 'api': {
      const event = sample('apigw/post-action-notify.json');
      event.body = JSON.stringify({
        ...JSON.parse(event.body),
        instanceId: host?.instanceId,
        sessionId: session?.id,
        userName: session?.userName,
        ticketId: `COLD-${run}`,
      });
      return event;
    }
  }
}

/** What dominates a bundle: its largest packages (or first-party folders) by bytes in the output. */
function dominant(inputs: Record<string, { bytesInOutput: number }>) {
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const modules = path.lastIndexOf('node_modules/');
    let name: string;
    if (modules >= 0) {
      const parts = path.slice(modules + 'node_modules/'.length).split('/');
      name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
    } else {
      name = path.split('/').slice(0, 2).join('/');
    }
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5)
    .map(([name, bytes]) => ({ name, bytes }));
}

async function bundle(name: FunctionName) {
  const outdir = join(dir, name);
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { index: `functions/lambda/${name}.ts` },
    outdir,
    metafile: true,
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'));
  if (!output) throw new Error(`no bundle for ${name}`);
  return {
    file: join(outdir, 'index.mjs'),
    bytes: output[1].bytes,
    dominant: dominant(output[1].inputs),
  };
}

/** A fresh process imports the bundle and handles one event; its own clock says how long. */
async function coldStart(name: FunctionName, file: string, event: unknown) {
  const script = `
    const importing = performance.now();
    const { handler } = await import(${JSON.stringify(file)});
    const imported = performance.now();
    const context = { awsRequestId: 'cold-start', functionName: ${JSON.stringify(name)},
      getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: false };
    const answer = await handler(JSON.parse(process.env.EVENT), context);
    const totalMs = performance.now();
    process.stdout.write(JSON.stringify({ importMs: imported - importing, totalMs, answer }));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        EVENT: JSON.stringify(event),
        TABLE_NAME: tableName,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        SSM_ENDPOINT: ssm.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SESSION_TOKEN: 'local',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    }
  );
  const { importMs, totalMs, answer } = JSON.parse(stdout) as {
    importMs: number;
    totalMs: number;
    answer: { statusCode?: number; batchItemFailures?: unknown[]; sweepId?: string } | null;
  };
  // Timed only if it did its work: an error answered fast is no cold start.
  const handled =
    name === 'api'
      ? answer?.statusCode === 202
      : name === 'command-status'
        ? answer?.batchItemFailures?.length === 0
        : name === 'sweep'
          ? typeof answer?.sweepId === 'string'
          : true;
  if (!handled) throw new Error(`${name} did not handle its event: ${JSON.stringify(answer)}`);
  return { importMs, totalMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Number(value.toFixed(1));
}

try {
  const functions: Record<string, unknown> = {};
  for (const name of FUNCTIONS) {
    const built = await bundle(name);
    const runs = [];
    for (let run = 0; run < RUNS; run++)
      runs.push(await coldStart(name, built.file, eventFor(name, run)));
    const coldStartMs = median(runs.map((r) => r.totalMs));
    functions[name] = {
      bytes: built.bytes,
      dominant: built.dominant,
      runs: RUNS,
      importMs: median(runs.map((r) => r.importMs)),
      coldStartMs,
      goals: {
        bytes: {
          measured: built.bytes,
          target: MAX_BUNDLE_BYTES,
          meetsTarget: built.bytes <= MAX_BUNDLE_BYTES,
        },
        coldStartMs: {
          measured: coldStartMs,
          target: TARGET_MS,
          meetsTarget: coldStartMs <= TARGET_MS,
        },
      },
    };
  }
  console.log(JSON.stringify({ functions }));
} finally {
  await ssm.close();
  await dynamo.close();
  rmSync(dir, { recursive: true, force: true });
}
