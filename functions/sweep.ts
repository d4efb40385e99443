import { parse } from '@aws-lambda-powertools/parser';
import { runSweep, type SweepDeps } from '../lib/sweep/sweep.js';
import { sweepTriggerSchema } from '../lib/sweep/trigger.js';
import { observed } from './shared/middleware.js';
import { log } from './shared/observability.js';
import type { Runtime } from './shared/runtime.js';

/**
 * `sweep` (EventBridge Scheduler): asks every managed host for its sessions, per policy group,
 * records the sweep, and reconciles overdue actions.
 */
export function createSweepHandler(runtime: Runtime) {
  const { config } = runtime;
  const deps: SweepDeps = {
    ssm: runtime.clients.ssm,
    ledger: runtime.ledger,
    policy: runtime.policy,
    managedTag: { key: config.MANAGED_TAG_KEY, value: config.MANAGED_TAG_VALUE },
    groupTagKey: config.POLICY_GROUP_TAG_KEY,
    documents: { operate: config.DOCUMENT_NAME, read: config.READ_DOCUMENT_NAME },
    outputLogGroup: config.SSM_OUTPUT_LOG_GROUP,
    deliveryTimeoutSeconds: config.DELIVERY_TIMEOUT_SECONDS,
    clock: runtime.clock,
    observer: runtime.observer,
    ...(runtime.retry ? { retry: runtime.retry } : {}),
  };
  return observed(async (event: unknown) => {
    const { scheduledAt } = parse(event, undefined, sweepTriggerSchema);
    const result = await runSweep(deps, { scheduledAt });
    log().info('sweep finished', {
      sweepId: result.sweepId,
      repeated: result.repeated,
      hosts: Object.fromEntries(Object.entries(result.groups).map(([g, ids]) => [g, ids.length])),
      commandIds: result.commandIds,
      rejected: result.rejected,
      reconciled: result.reconciled,
    });
    return result;
  });
}
