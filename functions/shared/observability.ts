import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/contract.js';

/**
 * Powertools' logger whose children take the process's cold start: a child per invocation would
 * otherwise log `cold_start: true` on every invocation.
 */
class ProcessLogger extends Logger {
  readonly #parent: ProcessLogger | null;

  constructor(options: ConstructorOptions, parent: ProcessLogger | null = null) {
    super(options);
    this.#parent = parent;
  }

  protected override getColdStart(): boolean {
    return this.#parent === null ? super.getColdStart() : this.#parent.getColdStart();
  }

  protected override createLogger(options: ConstructorOptions = {}): Logger {
    return new ProcessLogger(options, this);
  }
}

/** The process's logger: each invocation logs through a child of it (see `log`). */
export const logger: Logger = new ProcessLogger({ serviceName: SERVICE_NAME });
/** One metrics instance per process: every metric is a single metric with its own dimensions. */
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

const invocationLogger = new AsyncLocalStorage<Logger>();

/**
 * The logger of the invocation running: its own child of `logger`, with its Lambda context and
 * the keys it appended. The local runtime runs many invocations at once in one process, and keys
 * appended to one shared logger would leak from one invocation into another.
 */
export function log(): Logger {
  return invocationLogger.getStore() ?? logger;
}

/** Runs `invocation` with its own child logger, which carries `context` in every line. */
export function withInvocationLogger<T>(context: Context, invocation: () => T): T {
  const child = logger.createChild();
  child.addContext(context);
  return invocationLogger.run(child, invocation);
}
