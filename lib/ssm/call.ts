import { DispatchError, errorMessageOf, errorNameOf, SsmServiceError } from './errors.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** Makes the typed error of an SDK error name the caller knows; `undefined`: none. */
export type TypedSsmError = (
  name: string,
  message: string,
  cause: unknown
) => DispatchError | undefined;

export interface SsmCallOptions {
  retry?: Partial<RetryPolicy>;
  /** Also retry 5xx and timeouts: reads only (a SendCommand that failed may have gone out). */
  retryTransient?: boolean;
  typed?: TypedSsmError;
}

/**
 * An SSM failure as a {@link DispatchError}: one already typed (a retry's `ThrottledError`) as it
 * is, one `typed` knows as its error, any other as an {@link SsmServiceError} of `operation`.
 */
export function ssmErrorOf(
  operation: string,
  error: unknown,
  typed?: TypedSsmError
): DispatchError {
  if (error instanceof DispatchError) return error;
  const name = errorNameOf(error);
  const message = errorMessageOf(error);
  return (
    typed?.(name, message, error) ?? new SsmServiceError(operation, name, message, { cause: error })
  );
}

/** One SSM operation, retried as the policy allows; it fails only with a {@link DispatchError}. */
export async function callSsm<T>(
  operation: string,
  fn: () => Promise<T>,
  options: SsmCallOptions = {}
): Promise<T> {
  try {
    return await withRetry(fn, {
      operation,
      policy: options.retry,
      retryTransient: options.retryTransient,
    });
  } catch (error) {
    throw ssmErrorOf(operation, error, options.typed);
  }
}

/**
 * Every item of a paginated SSM listing: `page` asks for the page after `nextToken` (each page one
 * {@link callSsm}), `items` reads its items, until SSM gives no next token.
 */
export async function callSsmPages<Output extends { NextToken?: string }, Item>(
  operation: string,
  page: (nextToken: string | undefined) => Promise<Output>,
  items: (output: Output) => Item[] | undefined,
  options: SsmCallOptions = {}
): Promise<Item[]> {
  const all: Item[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const output = await callSsm(operation, () => page(token), options);
    all.push(...(items(output) ?? []));
    nextToken = output.NextToken;
  } while (nextToken);
  return all;
}
