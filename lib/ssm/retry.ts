import { setTimeout as delay } from 'node:timers/promises';
import { errorNameOf, ThrottledError } from './errors.js';

/**
 * Bounded exponential backoff with full jitter. The SSM client is created with `maxAttempts: 1`
 * (lib/aws/clients.ts) so that this is the only retry layer and its bounds are the real ones.
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Cap of the first backoff; doubles with every attempt. */
  baseDelayMs: number;
  /** Upper bound of any single backoff. */
  maxDelayMs: number;
  /** Returns a number in [0, 1); injectable so tests are deterministic. */
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told of every throttled call about to be retried (the functions count them as a metric). */
  onThrottled: (operation: string, attempt: number) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  random: Math.random,
  sleep: (ms) => delay(ms),
  onThrottled: () => undefined,
};

/** Error names SSM and the smithy retry strategy use for "slow down". */
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyUpdates',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'LimitExceededException',
  'ServiceUnavailable',
]);

/** Failures that say nothing about the request itself: a retry may well succeed. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

export type ErrorClass = 'throttling' | 'transient' | 'other';

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata: unknown }).$metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const status = (metadata as { httpStatusCode?: unknown }).httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Sorts an SDK error into throttling (always safe to retry), transient (5xx) or anything else. */
export function classifyError(error: unknown): ErrorClass {
  const name = errorNameOf(error);
  const status = httpStatusOf(error);
  if (THROTTLING_NAMES.has(name) || status === 429 || status === 503) return 'throttling';
  if (TRANSIENT_NAMES.has(name) || status === 500 || status === 502 || status === 504) {
    return 'transient';
  }
  return 'other';
}

/**
 * The wait before retry number `attempt` (1 = the first retry): uniform in
 * [0, min(maxDelayMs, baseDelayMs · 2^(attempt−1))) — "full jitter", which spreads the retries of
 * many Lambdas throttled at the same moment instead of having them collide again.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

export interface RetryOptions {
  /** Names the call in errors, e.g. `SendCommand`. */
  operation: string;
  policy?: Partial<RetryPolicy>;
  /**
   * Also retry 5xx and timeouts. Only for reads: a SendCommand that failed with a 5xx may have
   * been accepted, and sending it again could act twice.
   */
  retryTransient?: boolean;
}

/**
 * Runs `call`, retrying throttling (and, if asked, transient failures) with backoff. Throws
 * {@link ThrottledError} once throttling outlasts `maxAttempts`; any other error (or an exhausted
 * transient one) is rethrown unchanged for the caller to translate.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = classifyError(error);
      const retryable = kind === 'throttling' || (kind === 'transient' && options.retryTransient);
      if (!retryable) throw error;
      if (attempt >= maxAttempts) {
        if (kind === 'throttling') {
          throw new ThrottledError(options.operation, attempt, { cause: error });
        }
        throw error;
      }
      if (kind === 'throttling') policy.onThrottled(options.operation, attempt);
      await policy.sleep(backoffDelayMs(attempt, policy));
    }
  }
}
