import { type Clients, createClients } from '../../lib/aws/clients.js';
import { type Config, loadConfig } from '../../lib/config/env.js';
import { type DispatchDeps, overdueAfterSeconds } from '../../lib/dispatch/dispatch.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import { createLedger, type Ledger } from '../../lib/ledger/ledger.js';
import { type Policy, policyFromEnv } from '../../lib/policy/schema.js';
import type { RetryPolicy } from '../../lib/ssm/retry.js';
import { powertoolsObserver } from './observer.js';

/** Everything a handler needs besides its event: built once per process, shared by handlers. */
export interface Runtime {
  config: Config;
  clients: Clients;
  ledger: Ledger;
  policy: Policy;
  clock: () => Date;
  observer: Observer;
  /** SSM retry policy override (tests shorten the backoff). */
  retry?: Partial<RetryPolicy>;
  /** How long GetCommandInvocation may answer "does not exist" right after a send. */
  invocationWaitMs?: number;
}

export interface RuntimeOverrides {
  clients?: Clients;
  policy?: Policy;
  clock?: () => Date;
  observer?: Observer;
  retry?: Partial<RetryPolicy>;
  invocationWaitMs?: number;
}

/**
 * Builds a runtime from a validated configuration. Throws `ConfigError` or `PolicyError` naming
 * the bad variable or policy field, so a misconfigured function fails at cold start.
 */
export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const clients = overrides.clients ?? createClients(config);
  const clock = overrides.clock ?? (() => new Date());
  return {
    config,
    clients,
    ledger: createLedger({
      client: clients.ddb,
      tableName: config.TABLE_NAME,
      retentionDays: config.RETENTION_DAYS,
      // A planned action is overdue (reconcile settles it) when a dispatched one would be.
      plannedGraceSeconds: overdueAfterSeconds({
        deliveryTimeoutSeconds: config.DELIVERY_TIMEOUT_SECONDS,
        executionTimeoutSeconds: config.EXECUTION_TIMEOUT_SECONDS,
      }),
      clock,
    }),
    policy: overrides.policy ?? policyFromEnv(config.POLICY),
    clock,
    observer: overrides.observer ?? powertoolsObserver,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    ...(overrides.invocationWaitMs === undefined
      ? {}
      : { invocationWaitMs: overrides.invocationWaitMs }),
  };
}

let shared: Runtime | undefined;

/** The process-wide runtime from `process.env`, created on first use. */
export function runtimeFromEnv(): Runtime {
  shared ??= createRuntime(loadConfig());
  return shared;
}

/** What recording and dispatching actions needs, from a runtime. */
export function actDeps(runtime: Runtime): DispatchDeps {
  const { config } = runtime;
  return {
    ledger: runtime.ledger,
    ssm: runtime.clients.ssm,
    documents: { operate: config.DOCUMENT_NAME, read: config.READ_DOCUMENT_NAME },
    outputLogGroup: config.SSM_OUTPUT_LOG_GROUP,
    deliveryTimeoutSeconds: config.DELIVERY_TIMEOUT_SECONDS,
    executionTimeoutSeconds: config.EXECUTION_TIMEOUT_SECONDS,
    clock: runtime.clock,
    observer: runtime.observer,
    ...(runtime.retry ? { retry: runtime.retry } : {}),
  };
}
