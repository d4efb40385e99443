import { Duration, type Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { METRIC_NAMES, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

const PERIOD = Duration.minutes(5);

/**
 * A Metrics Insights query over the functions' namespace: the handlers add dimensions (service,
 * operation, outcome, reason) per metric, and a query sums over the ones it does not group by.
 */
function insights(metric: string, groupBy: readonly string[]): IMetric {
  // No label: CloudWatch names each series by its group's values.
  return new MathExpression({
    expression:
      `SELECT SUM(${metric}) FROM "${METRICS_NAMESPACE}"` +
      (groupBy.length > 0 ? ` GROUP BY ${groupBy.join(', ')}` : ''),
    usingMetrics: {},
    period: PERIOD,
  });
}

/** A metric the functions emit with the `service` dimension only (one value per sweep). */
function serviceMetric(name: string, statistic: string, label: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    label,
    period: PERIOD,
  });
}

/** The operators' one page: what the janitor did, how the sweeps go, and what is going wrong. */
export function createDashboard(
  stack: Stack,
  watched: {
    functions: Record<string, JanitorFunction>;
    statusQueue: IQueue;
    statusDeadLetterQueue: IQueue;
    failedEventsQueue: IQueue;
  }
): Dashboard {
  const dashboard = new Dashboard(stack, 'Dashboard', {
    defaultInterval: Duration.days(1),
  });
  const functions = Object.entries(watched.functions);
  const perFunction = (metric: (fn: JanitorFunction) => IMetric): IMetric[] =>
    functions.map(([, fn]) => metric(fn));
  const wide = { width: 12, height: 6 };

  dashboard.addWidgets(
    new GraphWidget({
      title: 'Actions by operation and outcome',
      left: [insights(METRIC_NAMES.actionOutcome, ['operation', 'outcome'])],
      stacked: true,
      ...wide,
    }),
    new GraphWidget({
      title: 'Skipped actions by reason',
      left: [insights(METRIC_NAMES.actionsSkipped, ['reason'])],
      stacked: true,
      ...wide,
    })
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Sweep duration (ms)',
      left: [
        serviceMetric(METRIC_NAMES.sweepDuration, Stats.AVERAGE, 'average'),
        serviceMetric(METRIC_NAMES.sweepDuration, Stats.MAXIMUM, 'longest'),
      ],
      ...wide,
    }),
    new GraphWidget({
      title: 'Hosts per sweep',
      left: [serviceMetric(METRIC_NAMES.sweepHosts, Stats.MAXIMUM, 'hosts')],
      ...wide,
    })
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'command-status queue: age of the oldest event (s)',
      left: [
        watched.statusQueue.metricApproximateAgeOfOldestMessage({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
      ],
      ...wide,
    }),
    new GraphWidget({
      title: 'Dead letters',
      left: [
        watched.statusDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
          label: 'status events',
        }),
        watched.failedEventsQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
          label: 'failed events and invocations',
        }),
      ],
      ...wide,
    })
  );
  const third = { width: 8, height: 6 };
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Function errors',
      left: perFunction((fn) =>
        fn.function.metricErrors({ period: PERIOD, statistic: Stats.SUM, label: nameOf(fn) })
      ),
      ...third,
    }),
    new GraphWidget({
      title: 'Function throttles',
      left: perFunction((fn) =>
        fn.function.metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: nameOf(fn) })
      ),
      ...third,
    }),
    new GraphWidget({
      title: 'Function duration p99 (ms)',
      left: perFunction((fn) =>
        fn.function.metricDuration({ period: PERIOD, statistic: Stats.p(99), label: nameOf(fn) })
      ),
      ...third,
    })
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'SSM calls retried after throttling, by operation',
      left: [insights(METRIC_NAMES.ssmThrottleRetries, ['operation'])],
      stacked: true,
      width: 24,
      height: 6,
    })
  );
  return dashboard;
}

function nameOf(fn: JanitorFunction): string {
  return fn.node.id;
}
