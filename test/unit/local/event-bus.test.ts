import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, LocalEventBus, LocalQueue } from '../../../local/runtime/event-bus.js';

const event = (n: number) => ({
  version: '0',
  id: `e-${n}`,
  'detail-type': 'Thing Happened',
  source: 'test',
  account: '000000000000',
  time: '2026-11-21T20:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { n },
});

describe('local event bus and queue', () => {
  it('runs at most its concurrency of async invocations at once and every one in the end', async () => {
    const bus = new LocalEventBus(undefined, 3);
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    bus.addRule({
      name: 'r',
      matches: () => true,
      target: {
        kind: 'lambda',
        invoke: async (e) => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          ran.push((e.detail as { n: number }).n);
          running--;
        },
      },
    });
    for (let n = 0; n < 20; n++) bus.put(event(n));
    await bus.drain();
    expect(most).toBe(3);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(bus.deadLetters).toEqual([]);
  });

  it('delivers matching events to a queue as SQS records, in batches', async () => {
    const batches: SQSEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const queue = new LocalQueue({
      name: 'q',
      deadLetters,
      batchSize: 10,
      maxConcurrency: 1,
      handler: async (batch) => {
        batches.push(batch);
        return { batchItemFailures: [] };
      },
    });
    const bus = new LocalEventBus();
    bus.addRule({
      name: 'r',
      matches: (e) => e.source === 'test',
      target: { kind: 'queue', queue },
    });
    for (let n = 0; n < 12; n++) bus.put(event(n));
    bus.put({ ...event(99), source: 'other' });
    await queue.idle();
    const records = batches.flatMap((b) => b.Records);
    expect(records).toHaveLength(12);
    expect(batches.every((b) => b.Records.length <= 10)).toBe(true);
    const first = records[0];
    expect(first?.eventSource).toBe('aws:sqs');
    expect(JSON.parse(first?.body ?? '{}').detail).toEqual({ n: 0 });
    expect(first?.attributes.ApproximateReceiveCount).toBe('1');
  });

  it('redelivers reported failures, then dead-letters them after the last receive', async () => {
    const receives = new Map<string, number>();
    const deadLetters: DeadLetter[] = [];
    const queue = new LocalQueue({
      name: 'q',
      deadLetters,
      visibilityTimeoutMs: 5,
      maxReceiveCount: 3,
      handler: async (batch) => ({
        batchItemFailures: batch.Records.filter((r) => {
          receives.set(r.messageId, Number(r.attributes.ApproximateReceiveCount));
          return JSON.parse(r.body).detail.n === 1;
        }).map((r) => ({ itemIdentifier: r.messageId })),
      }),
    });
    queue.send(JSON.stringify(event(0)));
    queue.send(JSON.stringify(event(1)));
    await queue.idle();
    expect([...receives.values()].sort()).toEqual([1, 3]);
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]?.body ?? '{}').detail).toEqual({ n: 1 });
  });

  it('retries a failing async invocation twice, then records it as a dead letter', async () => {
    let calls = 0;
    const bus = new LocalEventBus();
    bus.addRule({
      name: 'flaky',
      matches: () => true,
      target: {
        kind: 'lambda',
        invoke: async () => {
          calls++;
          throw new Error('boom');
        },
      },
    });
    bus.put(event(1));
    await bus.drain();
    expect(calls).toBe(3);
    expect(bus.deadLetters).toEqual([
      expect.objectContaining({ source: 'flaky', error: 'Error: boom' }),
    ]);
  });
});

describe('the local queue’s consumer', () => {
  it('gets its function’s timeout, as Lambda gives it, not a default that times a long batch out early', async () => {
    const remaining: number[] = [];
    const queue = new LocalQueue({
      name: 'q',
      deadLetters: [],
      functionTimeoutMs: 60_000,
      handler: async (_batch, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        return { batchItemFailures: [] };
      },
    });
    queue.send('{}');
    await queue.idle();

    expect(remaining).toHaveLength(1);
    expect(remaining[0]).toBeGreaterThan(55_000);
    expect(remaining[0]).toBeLessThanOrEqual(60_000);
  });
});
