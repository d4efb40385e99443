import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
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

/** One metric in its own EMF record, so its dimensions are its own (`service` besides). */
function emit(
  name: string,
  dimensions: Record<string, string>,
  unit: Unit = MetricUnit.Count,
  value = 1
): void {
  const single = metrics.singleMetric();
  single.addDimensions(dimensions);
  single.addMetric(name, unit, value);
}

/**
 * The use cases' observer, on Powertools: structured log lines keyed by action (and ticket) id,
 * the `ActionsPlanned` / `ActionOutcome` metrics by operation and outcome, `ActionsSkipped` by
 * operation and reason, the sweeps' duration and hosts, and SSM's throttled retries by operation.
 */
export const powertoolsObserver: Required<Observer> = {
  planned(action, decision) {
    emit(METRIC_NAMES.actionsPlanned, { operation: action.operation, outcome: decision });
    log().info('action planned', { ...actionKeys(action), decision, reason: action.reason });
  },
  finished(action) {
    emit(METRIC_NAMES.actionOutcome, { operation: action.operation, outcome: action.status });
    if (action.status === 'skipped') {
      emit(METRIC_NAMES.actionsSkipped, {
        operation: action.operation,
        reason: action.result?.errorCode ?? 'unknown',
      });
    }
    log().info('action finished', {
      ...actionKeys(action),
      errorCode: action.result?.errorCode ?? null,
    });
  },
  sweepRan(sweep) {
    emit(METRIC_NAMES.sweepDuration, {}, MetricUnit.Milliseconds, sweep.durationMs);
    emit(METRIC_NAMES.sweepHosts, {}, MetricUnit.Count, sweep.hosts);
  },
  ssmThrottled(operation, attempt) {
    emit(METRIC_NAMES.ssmThrottleRetries, { operation });
    log().info('SSM throttled, retrying', { operation, attempt });
  },
  info(message, data) {
    log().info(message, data ?? {});
  },
  warn(message, data) {
    log().warn(message, data ?? {});
  },
};
