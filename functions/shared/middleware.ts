import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationLogger } from './observability.js';

type Middlewares = Parameters<MiddyfiedHandler['use']>[0];

/**
 * Wraps a handler in the house middleware and `middlewares`, each invocation with its own child
 * logger (what `injectLambdaContext` does for one shared logger, which concurrent invocations would
 * share). Metrics need no flush middleware: each one is a single metric with its own dimensions,
 * written as it happens (see `observer.ts`), and `logMetrics` would otherwise warn "no application
 * metrics" on every invocation that planned nothing.
 */
export function observed<TEvent, TResult, TInput = TEvent>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  middlewares: Middlewares = []
): (event: TInput, context: Context) => Promise<TResult> {
  const chain = middy<TEvent, TResult>();
  chain.use(middlewares);
  chain.handler(handler);
  // The middlewares make the handler's event of the input (Powertools' parser checks it), a step
  // middy's types do not follow.
  return (event, context) =>
    withInvocationLogger(context, () => chain(event as unknown as TEvent, context));
}
