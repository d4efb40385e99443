import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { inject } from 'vitest';
import type { Runtime } from '../../../functions/shared/runtime.js';
import type { Action } from '../../../lib/actions/model.js';
import { loadConfig } from '../../../lib/config/env.js';
import type { Observer } from '../../../lib/dispatch/observer.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';
import { type CreateFleetOptions, createFleet } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { type DeadLetter, LocalQueue } from '../../../local/runtime/event-bus.js';
import { lambdaContext } from '../../../local/runtime/lambda-context.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm, SsmEventBridgeEvent, SsmFaults } from '../../../local/ssm/types.js';

export const eventsDir = new URL('../../../events/', import.meta.url);

export async function sample<T = Record<string, unknown>>(path: string): Promise<T> {
  return JSON.parse(await readFile(new URL(path, eventsDir), 'utf8')) as T;
}

/** Status events as the SQS records `command-status` receives. */
export function sqs(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: 'handle',
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:session-janitor-command-status',
      awsRegion: 'us-east-1',
    })),
  };
}

export function context(name: string): Context {
  return lambdaContext(name, randomUUID());
}

/**
 * The functions need a valid environment when their modules load (that is how Lambda and the
 * local runtime start them); the factories then get their own runtime per test.
 */
async function loadFunctions() {
  process.env.TABLE_NAME ??= 'session-janitor-import';
  const [sweep, status, idle, runtime] = await Promise.all([
    import('../../../functions/sweep.js'),
    import('../../../functions/command-status.js'),
    import('../../../functions/idle-event.js'),
    import('../../../functions/shared/runtime.js'),
  ]);
  return { sweep, status, idle, runtime };
}

export interface Harness {
  fleet: SimulatedFleet;
  ssm: LocalSsm;
  runtime: Runtime;
  sweep: (event: unknown) => Promise<unknown>;
  status: (event: SQSEvent) => Promise<SQSBatchResponse>;
  idle: (event: unknown) => Promise<unknown>;
  /** Every status event the local SSM emitted, as it was queued (SQS body). */
  delivered: string[];
  deadLetters: DeadLetter[];
  /** When set, events of action commands (not ListSessions) are lost, as EventBridge may. */
  dropActionEvents: boolean;
  /**
   * When set, the events it picks are kept back from the queue (in `held`) until `release`, as
   * records a queue holds while time passes (a backlog, a redrive).
   */
  hold: ((event: SsmEventBridgeEvent) => boolean) | null;
  held: string[];
  /** Queues the held events. */
  release(): void;
  /** Runs the sweep function for a scheduled time (Scheduler's default notification). */
  sweepAt(at: Date): Promise<unknown>;
  /** Waits until SSM, the queue and every follow-up command are done. */
  settle(): Promise<void>;
  actionsOf(instanceId: string): Promise<Action[]>;
  instance(index: number): string;
  close(): Promise<void>;
}

export async function startHarness(options: {
  policy: unknown;
  fleet?: CreateFleetOptions;
  faults?: Partial<SsmFaults>;
  /** Real milliseconds per SSM second (default 1: a 60 s delivery timeout is 60 ms). */
  msPerSecond?: number;
  /** false: status events are only collected in `delivered`, for a test to hand over itself. */
  queue?: boolean;
  /**
   * Every batch of status records is delivered again once its first delivery succeeded, as
   * Lambda's at-least-once delivery may.
   */
  deliverTwice?: boolean;
  /** More of the functions' environment (lib/config/env.ts). */
  env?: Record<string, string>;
  /** A DynamoDB of the test's own (default: the run's shared in-memory dynalite). */
  dynamodbEndpoint?: string;
  /** What the functions log and count (default: Powertools, as deployed). */
  observer?: Observer;
}): Promise<Harness> {
  const functions = await loadFunctions();
  const fleet = createFleet({
    seed: 11,
    hosts: 2,
    liveSessions: false,
    durationScale: 0,
    ...options.fleet,
  });
  const ssm = await startLocalSsm({
    fleet,
    timing: {
      pendingMs: 1,
      eventDelayMs: 1,
      msPerSecond: options.msPerSecond ?? 1,
      delayedAfterMs: 5,
      retryDeliveryMs: 5,
    },
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const tableName = `functions-${randomUUID()}`;
  const config = loadConfig({
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: options.dynamodbEndpoint ?? inject('dynamodbEndpoint'),
    SSM_ENDPOINT: ssm.endpoint,
    POLICY: JSON.stringify(options.policy),
    AWS_REGION: 'us-east-1',
    ...options.env,
  });
  const runtime = functions.runtime.createRuntime(config, {
    clock: () => fleet.now(),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    invocationWaitMs: 100,
    ...(options.observer ? { observer: options.observer } : {}),
  });
  await createLedgerTable(runtime.clients.ddb, tableName);

  const sweep = functions.sweep.createSweepHandler(runtime);
  const status = functions.status.createCommandStatusHandler(runtime);
  const idle = functions.idle.createIdleEventHandler(runtime);
  const deadLetters: DeadLetter[] = [];
  const queue = new LocalQueue({
    name: 'command-status',
    handler: async (event, ctx) => {
      const first = await status(event, ctx);
      if (options.deliverTwice) await status(event, ctx);
      return first;
    },
    deadLetters,
    batchSize: 10,
    visibilityTimeoutMs: 20,
    maxReceiveCount: 5,
  });
  const listSessionCommands = () =>
    new Set(
      ssm
        .commands()
        .filter((c) => c.parameters.Operation?.[0] === 'ListSessions')
        .map((c) => c.commandId)
    );
  const harness: Harness = {
    fleet,
    ssm,
    runtime,
    sweep: (event) => sweep(event, context('sweep')),
    status: async (event) =>
      (await status(event, context('command-status'))) ?? { batchItemFailures: [] },
    idle: (event) => idle(event, context('idle-event')),
    delivered: [],
    deadLetters,
    dropActionEvents: false,
    hold: null,
    held: [],
    release() {
      for (const body of harness.held.splice(0)) queue.send(body);
    },
    async sweepAt(at) {
      const event = await sample('scheduler/default-notification.json');
      return harness.sweep({ ...event, id: randomUUID(), time: at.toISOString() });
    },
    async settle() {
      for (let seen = -1; seen !== ssm.commands().length; ) {
        seen = ssm.commands().length;
        await ssm.idle();
        await queue.idle();
      }
    },
    async actionsOf(instanceId) {
      return (await runtime.ledger.listByHost(instanceId, { limit: 1000 })).items;
    },
    instance(index) {
      const id = fleet.instances()[index]?.instanceId;
      if (!id) throw new Error(`no instance ${index}`);
      return id;
    },
    async close() {
      queue.close();
      await ssm.close();
    },
  };
  ssm.subscribe((event: SsmEventBridgeEvent) => {
    if (harness.dropActionEvents && !listSessionCommands().has(event.detail['command-id'])) return;
    const body = JSON.stringify(event);
    harness.delivered.push(body);
    if (harness.hold?.(event)) harness.held.push(body);
    else if (options.queue ?? true) queue.send(body);
  });
  return harness;
}
