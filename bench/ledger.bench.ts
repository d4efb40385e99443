// Creates and completes 10,000 actions (create → dispatched → succeeded) against an in-memory
// dynalite, 16 at a time, counting every DynamoDB HTTP request by operation. Prints one JSON line.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NewAction } from '../lib/actions/model.js';
import { createLedger } from '../lib/ledger/ledger.js';
import { createLedgerTable } from '../lib/ledger/table.js';
import { startDynalite } from '../local/dynamodb/server.js';

// `tsx bench/ledger.bench.ts 500` runs a shorter round; so does `npm run bench -- --quick`.
const ACTIONS = Number(process.argv[2] ?? (process.env.BENCH_QUICK === '1' ? 500 : 10_000));
if (!Number.isInteger(ACTIONS) || ACTIONS < 1)
  throw new Error(`bad action count: ${process.argv[2]}`);
const CONCURRENCY = 16;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

const requests: Record<string, number> = {};

const dynamo = await startDynalite();
const base = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
});
// After the retry middleware, so every attempt on the wire is counted, retries included.
base.middlewareStack.add(
  (next) => async (args) => {
    const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
    const target = headers['x-amz-target'] ?? headers['X-Amz-Target'] ?? 'unknown.unknown';
    const operation = target.split('.')[1] ?? target;
    requests[operation] = (requests[operation] ?? 0) + 1;
    return next(args);
  },
  { step: 'finalizeRequest', priority: 'low', name: 'countRequests' }
);
const client = DynamoDBDocumentClient.from(base, {
  marshallOptions: { removeUndefinedValues: true },
});
const tableName = 'ledger-bench';
await createLedgerTable(client, tableName);
const ledger = createLedger({ client, tableName });
for (const key of Object.keys(requests)) delete requests[key];

function request(n: number): NewAction {
  return {
    operation: 'disconnect',
    instanceId: `i-${(n % 100).toString(16).padStart(17, '0')}`,
    target: {
      kind: 'session',
      sessionId: 2 + Math.floor(n / 100),
      expectedUser: `CONTOSO\\user${n}`,
      logonTime: '2026-11-21T08:02',
    },
    trigger: { kind: 'schedule', sweepId: 'sweep-20261121T2000' },
    reason: "idle 47 min ≥ 30 min policy 'default'",
    policy: 'default',
    dryRun: false,
  };
}

async function lifecycle(n: number): Promise<void> {
  const { action } = await ledger.createAction(request(n));
  const now = Date.now();
  await ledger.markDispatched(action, {
    commandId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    deadline: new Date(now + 720_000),
  });
  await ledger.complete(action.id, 'succeeded', {
    exitCode: 0,
    errorCode: null,
    excerpt: '{"operation":"DisconnectSession","exitCode":0}',
  });
}

let next = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < ACTIONS) {
      const n = next;
      next += 1;
      await lifecycle(n);
    }
  })
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await dynamo.close();

const sum = (kinds: Set<string>) =>
  Object.entries(requests)
    .filter(([op]) => kinds.has(op))
    .reduce((total, [, count]) => total + count, 0);
const round = (x: number, digits: number) => Number(x.toFixed(digits));

console.log(
  JSON.stringify({
    actions: ACTIONS,
    concurrency: CONCURRENCY,
    seconds: round(seconds, 2),
    actionsPerSecond: round(ACTIONS / seconds, 1),
    requests,
    writesPerAction: round(sum(WRITES) / ACTIONS, 3),
    readsPerAction: round(sum(READS) / ACTIONS, 3),
  })
);
