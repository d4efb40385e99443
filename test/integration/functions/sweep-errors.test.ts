import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, sqs, startHarness } from './harness.js';

/*
 * A host that cannot list its sessions counts once in its sweep's record, however often its
 * status event arrives: EventBridge and SQS deliver at least once.
 */
describe('a failed listing delivered twice', () => {
  let h: Harness;
  let slow: string;

  beforeAll(async () => {
    h = await startHarness({
      policy: { version: 1, default: { disconnectIdleMinutes: 60 } },
    });
    // Its ListSessions runs past the document's execution timeout (120 SSM seconds, 120 ms here).
    slow = h.instance(1);
    h.fleet.setSlow(slow, 2_000);
  });
  afterAll(() => h.close());

  it('counts the host once in the sweep record', async () => {
    const { sweepId } = (await h.sweepAt(h.fleet.now())) as { sweepId: string };
    await h.settle();
    const failedEvents = h.delivered.filter((body) => {
      const detail = (JSON.parse(body) as { detail: Record<string, string> }).detail;
      return detail['instance-id'] === slow && detail.status === 'TimedOut';
    });
    expect(failedEvents).toHaveLength(1);
    expect((await h.runtime.ledger.getSweep(sweepId))?.counters.errors).toBe(1);

    const again = await h.status(sqs([failedEvents[0] ?? '', failedEvents[0] ?? '']));
    await h.settle();

    expect(again.batchItemFailures).toEqual([]);
    expect((await h.runtime.ledger.getSweep(sweepId))?.counters).toMatchObject({
      errors: 1,
      hostsAsked: 2,
    });
  });
});
