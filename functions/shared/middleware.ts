import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './observability.js';

/**
 * Wraps a handler in the house middleware: Lambda context in every log line (state cleared per
 * invocation) and metrics flushed at the end of each invocation.
 */
export function observed<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>
) {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .handler(handler);
}
