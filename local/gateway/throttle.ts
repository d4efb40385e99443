import type { ApiThrottle } from '../../lib/contract.js';

/**
 * API Gateway's token bucket: it starts full with `burstLimit` tokens and refills at `rateLimit`
 * a second; each request takes one, and one that finds none is answered 429. `take` says whether
 * the request may pass.
 */
export function tokenBucket(
  throttle: ApiThrottle,
  now: () => number = () => performance.now()
): { take(): boolean } {
  let tokens = throttle.burstLimit;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(throttle.burstLimit, tokens + ((t - at) / 1000) * throttle.rateLimit);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
