import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type Clients, createClients } from '../../lib/aws/clients.js';
import { type Config, loadConfig } from '../../lib/config/env.js';
import { overdueAfterSeconds } from '../../lib/dispatch/dispatch.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import type { HostTags, SendSettings } from '../../lib/dispatch/settings.js';
import { createLedger, type Ledger } from '../../lib/ledger/ledger.js';
import { eventBridgePublisher, publishingLedger } from '../../lib/outcomes/publish.js';
import { type Policy, policyFromEnv } from '../../lib/policy/schema.js';
import type { RetryPolicy } from '../../lib/ssm/retry.js';
import { powertoolsObserver } from './observer.js';

/** Everything a handler needs besides its event: built once per process, shared by handlers. */
export interface Runtime {
  config: Config;
  clients: Clients;
  ledger: Ledger;
  policy: Policy;
  send: SendSettings;
  hostTags: HostTags;
  /** How long GetCommandInvocation may answer "does not exist" right after a send. */
  invocationWaitMs?: number;
}

export interface RuntimeOverrides {
  clients?: Clients;
  policy?: Policy;
  clock?: () => Date;
  observer?: Observer;
  /** SSM retry policy override (tests shorten the backoff). */
  retry?: Partial<RetryPolicy>;
  invocationWaitMs?: number;
}

/**
 * Builds a runtime from a validated configuration. Throws `ConfigError` or `PolicyError` naming
 * the bad variable or policy field, so a misconfigured function fails at cold start.
 */
export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const clients = overrides.clients ?? createClients(config);
  const observer = overrides.observer ?? powertoolsObserver;
  const send: SendSettings = {
    ssm: clients.ssm,
    documents: { operate: config.DOCUMENT_NAME, read: config.READ_DOCUMENT_NAME },
    outputLogGroup: config.SSM_OUTPUT_LOG_GROUP,
    deliveryTimeoutSeconds: config.DELIVERY_TIMEOUT_SECONDS,
    executionTimeoutSeconds: config.EXECUTION_TIMEOUT_SECONDS,
    retry: {
      onThrottled: (operation, attempt) => observer.ssmThrottled?.(operation, attempt),
      ...overrides.retry,
    },
    clock: overrides.clock ?? (() => new Date()),
    observer,
  };
  const ledger = createLedger({
    client: clients.ddb,
    tableName: config.TABLE_NAME,
    retentionDays: config.RETENTION_DAYS,
    // A planned action is overdue (reconcile settles it) when a dispatched one would be.
    plannedGraceSeconds: overdueAfterSeconds(send),
    clock: send.clock,
  });
  const bus = config.EVENT_BUS_NAME;
  const publishing = (name: string) =>
    publishingLedger(
      ledger,
      eventBridgePublisher(
        clients.events ??
          new EventBridgeClient({ region: config.AWS_REGION, endpoint: config.EVENTS_ENDPOINT }),
        name
      )
    );
  return {
    config,
    clients,
    ledger: bus ? publishing(bus) : ledger,
    policy: overrides.policy ?? policyFromEnv(config.POLICY),
    send,
    hostTags: {
      managedTag: { key: config.MANAGED_TAG_KEY, value: config.MANAGED_TAG_VALUE },
      groupTagKey: config.POLICY_GROUP_TAG_KEY,
    },
    invocationWaitMs: overrides.invocationWaitMs,
  };
}

let shared: Runtime | undefined;

/** The process-wide runtime from `process.env`, created on first use. */
export function runtimeFromEnv(): Runtime {
  shared ??= createRuntime(loadConfig());
  return shared;
}
