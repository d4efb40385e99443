import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './observability.js';

/**
 * Wraps a handler in the house middleware: the Lambda context in every log line, state cleared per
 * invocation. Metrics need no flush middleware here: each one is a single metric with its own
 * dimensions, written as it happens (see `observer.ts`), and `logMetrics` would otherwise warn
 * "no application metrics" on every invocation that planned nothing.
 */
export function observed<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>
) {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler(handler);
}
