import { describe, expect, it } from 'vitest';
import { API_THROTTLE } from '../../../lib/contract.js';
import { tokenBucket } from '../../../local/gateway/throttle.js';

describe("the local gateway's stage throttle (API Gateway's token bucket)", () => {
  it('lets a burst of burstLimit through at once, then rateLimit a second', () => {
    let now = 0;
    const bucket = tokenBucket(API_THROTTLE, () => now);
    const burst = Array.from({ length: 25 }, () => bucket.take());
    expect(burst.filter(Boolean)).toHaveLength(API_THROTTLE.burstLimit);
    expect(burst.slice(API_THROTTLE.burstLimit)).toEqual([false, false, false, false, false]);

    now += 1000;
    const next = Array.from({ length: 15 }, () => bucket.take());
    expect(next.filter(Boolean)).toHaveLength(API_THROTTLE.rateLimit);
  });

  it('never holds more than burstLimit, however long it rested', () => {
    let now = 0;
    const bucket = tokenBucket({ rateLimit: 5, burstLimit: 3 }, () => now);
    now += 60_000;
    expect(Array.from({ length: 5 }, () => bucket.take())).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
