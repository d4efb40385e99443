import { createHash, randomUUID } from 'node:crypto';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { REAL_TIME, type Scheduler } from '../clock.js';
import { lambdaContext } from './lambda-context.js';

export type AnyEventBridgeEvent = EventBridgeEvent<string, unknown>;

export interface Rule {
  name: string;
  matches(event: AnyEventBridgeEvent): boolean;
  target: { kind: 'queue'; queue: LocalQueue } | { kind: 'lambda'; invoke: LambdaInvoke };
}

export type LambdaInvoke = (event: AnyEventBridgeEvent, context: Context) => Promise<unknown>;
export type SqsHandler = (
  event: SQSEvent,
  context: Context
) => Promise<SQSBatchResponse | undefined>;

export interface DeadLetter {
  source: string;
  body: string;
  error: string;
}

/**
 * Lambda's default concurrency quota per account and Region: async invocations past it wait in
 * the function's event queue rather than run at once.
 */
export const ACCOUNT_CONCURRENCY = 1000;

/**
 * The EventBridge bus of the local runtime: rules match events and deliver them, either straight
 * to a function (async invocation: two retries, then the on-failure destination) or to a queue.
 * At most {@link ACCOUNT_CONCURRENCY} invocations run at once; the others wait their turn, as in
 * Lambda's async queue (a burst of events would otherwise hold every handler in memory at once).
 */
export class LocalEventBus {
  readonly deadLetters: DeadLetter[] = [];
  /** Stops the simulated clock while a function runs (see `SimClock.hold`). */
  constructor(
    private readonly hold: () => () => void = () => () => undefined,
    private readonly concurrency = ACCOUNT_CONCURRENCY
  ) {}
  private readonly rules: Rule[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  addRule(rule: Rule): void {
    this.rules.push(rule);
  }

  put(event: AnyEventBridgeEvent): void {
    for (const rule of this.rules) {
      if (!rule.matches(event)) continue;
      if (rule.target.kind === 'queue') {
        rule.target.queue.send(JSON.stringify(event));
      } else {
        this.track(this.invokeAsync(rule, rule.target.invoke, event));
      }
    }
  }

  /** Resolves when every async invocation started so far has finished. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async invokeAsync(rule: Rule, invoke: LambdaInvoke, event: AnyEventBridgeEvent) {
    // A finished invocation hands its slot straight to the next waiting one.
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      await this.invokeWithRetries(rule, invoke, event);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private async invokeWithRetries(rule: Rule, invoke: LambdaInvoke, event: AnyEventBridgeEvent) {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const release = this.hold();
      try {
        await invoke(event, lambdaContext(rule.name, randomUUID()));
        return;
      } catch (error) {
        lastError = error;
      } finally {
        release();
      }
    }
    this.deadLetters.push({
      source: rule.name,
      body: JSON.stringify(event),
      error: String(lastError),
    });
  }

  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
}

/**
 * An SQS queue with a Lambda event source mapping: batches of up to `batchSize`, gathered for up to
 * `batchingWindowMs` (on `scheduler`'s clock) while fewer are waiting, partial batch failures
 * (`batchItemFailures`) redelivered after the visibility timeout, and a dead-letter list after
 * `maxReceiveCount` receives — the same contract `command-status` has in the cloud.
 */
export class LocalQueue {
  private readonly pending: Message[] = [];
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Cancels the batching window running for the messages waiting, if one is. */
  private window: (() => void) | null = null;
  /** The window ended while every consumer was busy: the next free one takes what waits. */
  private ripe = false;

  constructor(
    private readonly options: {
      name: string;
      handler: SqsHandler;
      deadLetters: DeadLetter[];
      batchSize?: number;
      /** 0 (default): a batch leaves as soon as a consumer is free. */
      batchingWindowMs?: number;
      /** The clock the batching window runs on. */
      scheduler?: Scheduler;
      maxConcurrency?: number;
      visibilityTimeoutMs?: number;
      maxReceiveCount?: number;
      /** Stops the simulated clock while the handler runs (see `SimClock.hold`). */
      hold?: () => () => void;
      /** The consumer function's timeout (its context's remaining time); default 30 s. */
      functionTimeoutMs?: number;
    }
  ) {}

  send(body: string): void {
    this.pending.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
    this.pump();
  }

  /** Resolves when nothing is queued, in flight or waiting for redelivery. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.window?.();
    this.window = null;
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.running === 0 && this.timers.size === 0;
  }

  private pump(): void {
    const maxConcurrency = this.options.maxConcurrency ?? 2;
    const batchSize = this.options.batchSize ?? 10;
    const windowMs = this.options.batchingWindowMs ?? 0;
    if (windowMs > 0 && !this.ripe && this.pending.length > 0 && this.pending.length < batchSize) {
      // Lambda waits for a full batch or the end of the window, whichever comes first.
      this.window ??= (this.options.scheduler ?? REAL_TIME).after(windowMs, () => {
        this.window = null;
        this.ripe = true;
        this.flush(maxConcurrency, batchSize);
      });
      return;
    }
    this.flush(maxConcurrency, batchSize);
  }

  private flush(maxConcurrency: number, batchSize: number): void {
    while (this.pending.length > 0 && this.running < maxConcurrency) {
      this.window?.();
      this.window = null;
      const batch = this.pending.splice(0, batchSize);
      if (this.pending.length === 0) this.ripe = false;
      this.running++;
      void this.deliver(batch).finally(() => {
        this.running--;
        this.pump();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async deliver(batch: Message[]): Promise<void> {
    for (const message of batch) message.receiveCount++;
    const event: SQSEvent = { Records: batch.map((m) => this.record(m)) };
    let failed: Set<string>;
    const release = this.options.hold?.() ?? (() => undefined);
    try {
      const response = await this.options.handler(
        event,
        lambdaContext(this.options.name, randomUUID(), this.options.functionTimeoutMs)
      );
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    } finally {
      release();
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) continue;
      if (message.receiveCount >= (this.options.maxReceiveCount ?? 5)) {
        this.options.deadLetters.push({
          source: this.options.name,
          body: message.body,
          error: `not processed after ${message.receiveCount} receives`,
        });
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.pending.push(message);
        this.pump();
      }, this.options.visibilityTimeoutMs ?? 1000);
      this.timers.add(timer);
    }
  }

  private record(message: Message): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `local-${message.messageId}-${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${this.options.name}`,
      awsRegion: 'us-east-1',
    };
  }
}
