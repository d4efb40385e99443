import { InternalServerError, InvalidInstanceId, ThrottlingException } from '@aws-sdk/client-ssm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThrottledError } from '../../../lib/ssm/errors.js';
import { backoffDelayMs, classifyError, withRetry } from '../../../lib/ssm/retry.js';

const meta = { $metadata: {} };
const throttling = () =>
  new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', ...meta });
const serverError = () => new InternalServerError({ message: 'boom', ...meta });

/** A call that fails with the given errors in order, then returns `done`. */
function scripted(errors: Error[]) {
  let calls = 0;
  return {
    call: async () => {
      const error = errors[calls];
      calls++;
      if (error) throw error;
      return 'done';
    },
    calls: () => calls,
  };
}

function recordingPolicy(maxAttempts: number) {
  const sleeps: number[] = [];
  return {
    sleeps,
    policy: {
      maxAttempts,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    },
  };
}

describe('classifyError', () => {
  it('sorts throttling, 5xx and everything else', () => {
    expect(classifyError(throttling())).toBe('throttling');
    expect(classifyError({ name: 'TooManyUpdates' })).toBe('throttling');
    expect(classifyError({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe(
      'throttling'
    );
    expect(classifyError({ name: 'Whatever', $metadata: { httpStatusCode: 503 } })).toBe(
      'throttling'
    );
    expect(classifyError(serverError())).toBe('transient');
    expect(classifyError({ name: 'Whatever', $metadata: { httpStatusCode: 502 } })).toBe(
      'transient'
    );
    expect(classifyError(new InvalidInstanceId({ message: '', ...meta }))).toBe('other');
    expect(classifyError('not even an error')).toBe('other');
  });
});

describe('backoffDelayMs', () => {
  it('stays within [0, min(max, base·2^(n−1))) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelayMs(attempt, {
            baseDelayMs: 100,
            maxDelayMs: 5_000,
            random: () => r,
          });
          const ceiling = Math.min(5_000, 100 * 2 ** (attempt - 1));
          return delay >= 0 && delay < ceiling;
        }
      )
    );
  });

  it('doubles its ceiling per attempt until the cap', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy))).toEqual([99, 199, 399, 799, 999]);
  });
});

describe('withRetry', () => {
  it('retries throttling with jittered backoff and returns the eventual result', async () => {
    const { sleeps, policy } = recordingPolicy(5);
    const script = scripted([throttling(), throttling(), throttling()]);
    await expect(withRetry(script.call, { operation: 'SendCommand', policy })).resolves.toBe(
      'done'
    );
    expect(script.calls()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('gives up after maxAttempts with a ThrottledError carrying the last error', async () => {
    const { sleeps, policy } = recordingPolicy(3);
    const last = throttling();
    const script = scripted([throttling(), throttling(), last, throttling()]);
    const error = await withRetry(script.call, { operation: 'SendCommand', policy }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).attempts).toBe(3);
    expect((error as ThrottledError).cause).toBe(last);
    expect(script.calls()).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry an error that is neither throttling nor transient', async () => {
    const { policy } = recordingPolicy(5);
    const refused = new InvalidInstanceId({ message: '', ...meta });
    const script = scripted([refused]);
    await expect(withRetry(script.call, { operation: 'SendCommand', policy })).rejects.toBe(
      refused
    );
    expect(script.calls()).toBe(1);
  });

  it('retries a 5xx only when asked to, and rethrows it once attempts run out', async () => {
    const { policy } = recordingPolicy(3);
    const once = scripted([serverError()]);
    await expect(withRetry(once.call, { operation: 'SendCommand', policy })).rejects.toBeInstanceOf(
      InternalServerError
    );
    expect(once.calls()).toBe(1);

    const reads = scripted([serverError(), serverError(), serverError()]);
    await expect(
      withRetry(reads.call, { operation: 'GetCommandInvocation', policy, retryTransient: true })
    ).rejects.toBeInstanceOf(InternalServerError);
    expect(reads.calls()).toBe(3);
  });

  it('reports each throttled call it retries, and neither a 5xx retry nor the last throttle', async () => {
    const { policy } = recordingPolicy(3);
    const told: [string, number][] = [];
    const onThrottled = (operation: string, attempt: number) => told.push([operation, attempt]);
    const script = scripted([throttling(), serverError(), throttling(), throttling()]);
    const error = await withRetry(script.call, {
      operation: 'DescribeInstanceInformation',
      policy: { ...policy, onThrottled },
      retryTransient: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    // Attempt 1 throttled (retried), 2 a 5xx (retried, not a throttle), 3 throttled and last.
    expect(told).toEqual([['DescribeInstanceInformation', 1]]);
  });
});
