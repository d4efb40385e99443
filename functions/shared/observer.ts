import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Action } from '../../lib/actions/model.js';
import { METRIC_NAMES } from '../../lib/contract.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import { log, metrics } from './observability.js';

/** Log keys every action line carries, so one query finds an action's whole story. */
export function actionKeys(action: Action): Record<string, unknown> {
  return {
    actionId: action.id,
    instanceId: action.instanceId,
    operation: action.operation,
    status: action.status,
    ...(action.commandId ? { commandId: action.commandId } : {}),
    ...(action.trigger.kind === 'api' ? { ticketId: action.trigger.ticketId } : {}),
    ...(action.trigger.kind === 'schedule' ? { sweepId: action.trigger.sweepId } : {}),
    ...(action.trigger.kind === 'idle-event' ? { eventId: action.trigger.eventId } : {}),
  };
}

function count(name: string, operation: string, outcome: string): void {
  const single = metrics.singleMetric();
  single.addDimensions({ operation, outcome });
  single.addMetric(name, MetricUnit.Count, 1);
}

/**
 * The use cases' observer, on Powertools: structured log lines keyed by action (and ticket) id,
 * and the `ActionsPlanned` / `ActionOutcome` metrics by operation and outcome.
 */
export const powertoolsObserver: Observer = {
  planned(action, decision) {
    count(METRIC_NAMES.actionsPlanned, action.operation, decision);
    log().info('action planned', { ...actionKeys(action), decision, reason: action.reason });
  },
  finished(action) {
    count(METRIC_NAMES.actionOutcome, action.operation, action.status);
    log().info('action finished', {
      ...actionKeys(action),
      errorCode: action.result?.errorCode ?? null,
    });
  },
  info(message, data) {
    log().info(message, data ?? {});
  },
  warn(message, data) {
    log().warn(message, data ?? {});
  },
};
