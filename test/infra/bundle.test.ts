import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleHandler, MAX_BUNDLE_BYTES } from '../../cdk/bundling/bundle.js';
import { createLedgerTable } from '../../lib/ledger/table.js';
import { createFleet } from '../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../local/fleet/types.js';
import { startLocalSsm } from '../../local/ssm/server.js';
import type { LocalSsm } from '../../local/ssm/types.js';

/**
 * The production bundles as Lambda loads them: built by the stack's own bundler, imported by a
 * fresh Node process with nothing but the environment a function gets, and run against dynalite
 * and the local SSM. What the bundler leaves out (zod's other locales, profile credential
 * providers) must not be missed.
 */

const FUNCTIONS = ['sweep', 'command-status', 'idle-event', 'api'] as const;

let dir: string;
const sizes: Record<string, number> = {};
let fleet: SimulatedFleet;
let ssm: LocalSsm;
const tableName = `bundle-${Date.now()}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sj-bundles-'));
  for (const name of FUNCTIONS) {
    sizes[name] = await bundleHandler(`functions/lambda/${name}.ts`, join(dir, name));
  }
  fleet = createFleet({ seed: 11, liveSessions: false, durationScale: 0 });
  ssm = await startLocalSsm({ fleet, timing: { pendingMs: 5, eventDelayMs: 1 } });
  const dynamo = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  await createLedgerTable(dynamo, tableName);
  dynamo.destroy();
}, 60_000);

afterAll(async () => {
  await ssm?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Imports a bundle in a fresh process with a Lambda-like environment and handles one event
 * (asynchronously: the local SSM it talks to runs in this process).
 */
async function invoke(
  name: string,
  event: unknown
): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const script = `
    const { handler } = await import(${JSON.stringify(join(dir, name, 'index.mjs'))});
    const event = JSON.parse(process.env.EVENT);
    const context = { awsRequestId: 'bundle-test', functionName: ${JSON.stringify(name)},
      getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: false };
    process.stdout.write(JSON.stringify(await handler(event, context)));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        EVENT: JSON.stringify(event),
        TABLE_NAME: tableName,
        DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
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
  const result = JSON.parse(stdout) as { statusCode: number; body: string };
  return { statusCode: result.statusCode, body: JSON.parse(result.body) };
}

function apiSample(name: string, body: Record<string, unknown>): unknown {
  const event = JSON.parse(readFileSync(`events/apigw/${name}.json`, 'utf8'));
  event.body = JSON.stringify({ ...JSON.parse(event.body), ...body });
  return event;
}

describe('the production bundles', () => {
  it('are each at most 700 KB', () => {
    for (const name of FUNCTIONS) expect(sizes[name], name).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });

  it('sign with the credentials of the environment and reach both services', async () => {
    const host = fleet.instances().find((i) => i.computerName === 'RDSH-US-01')?.instanceId;
    const sessionId = fleet.addSession(String(host), { user: 'CORP\\bundled', idleMinutes: 5 });

    const answer = await invoke(
      'api',
      apiSample('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\bundled',
        ticketId: 'BUNDLE-1',
      })
    );

    expect(answer.statusCode).toBe(202);
    expect(
      ssm.commands().filter((c) => c.comment === `sj:act:${answer.body.actionId}`)
    ).toHaveLength(1);
  });

  it("still say what is wrong in words with only zod's English messages", async () => {
    const answer = await invoke('api', apiSample('post-action-logoff', { sessionId: 'seven' }));

    expect(answer.statusCode).toBe(400);
    expect(answer.body.fields).toContainEqual({
      path: 'body.sessionId',
      message: expect.stringMatching(/expected number/),
    });
  });
});
