import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationLogger } from './observability.js';

/**
 * Wraps a handler in the house middleware, each invocation with its own child logger (what
 * `injectLambdaContext` does for one shared logger, which concurrent invocations would share).
 * Metrics need no flush middleware: each one is a single metric with its own dimensions, written
 * as it happens (see `observer.ts`), and `logMetrics` would otherwise warn "no application
 * metrics" on every invocation that planned nothing.
 */
export function observed<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>
): (event: TEvent, context: Context) => Promise<TResult> {
  const chain = middy<TEvent, TResult>().handler(handler);
  return (event, context) => withInvocationLogger(context, () => chain(event, context));
}
