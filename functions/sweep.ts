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
  const deps: SweepDeps = {
    ...runtime.send,
    ...runtime.hostTags,
    ledger: runtime.ledger,
    policy: runtime.policy,
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
