import { Duration, type Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

export function createAlarms(
  stack: Stack,
  watched: {
    functions: Record<string, JanitorFunction>;
    statusDeadLetterQueue: IQueue;
    failedEventsQueue: IQueue;
    alarmTopicArn: string | undefined;
  }
): void {
  const { alarmTopicArn } = watched;
  const topic = alarmTopicArn ? Topic.fromTopicArn(stack, 'AlarmTopic', alarmTopicArn) : undefined;
  const alarm = (id: string, metric: IMetric, description: string) => {
    const created = new Alarm(stack, id, {
      metric,
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (topic) created.addAlarmAction(new SnsAction(topic));
  };
  const five = { period: Duration.minutes(5) };

  alarm(
    'StatusDeadLettersAlarm',
    watched.statusDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      ...five,
      statistic: 'Maximum',
    }),
    'Run Command status events that command-status failed to process five times.'
  );
  alarm(
    'FailedEventsAlarm',
    watched.failedEventsQueue.metricApproximateNumberOfMessagesVisible({
      ...five,
      statistic: 'Maximum',
    }),
    'Events, schedules or asynchronous invocations that could not be delivered or processed.'
  );
  for (const [name, fn] of Object.entries(watched.functions)) {
    alarm(
      `${capitalize(name)}ErrorsAlarm`,
      fn.function.metricErrors({ ...five, statistic: 'Sum' }),
      `The ${name} function failed.`
    );
    alarm(
      `${capitalize(name)}ThrottlesAlarm`,
      fn.function.metricThrottles({ ...five, statistic: 'Sum' }),
      `The ${name} function was throttled.`
    );
  }
  alarm(
    'FailedActionsAlarm',
    new MathExpression({
      // Metrics Insights sums over every other dimension (operation, service) the handlers add.
      expression:
        `SELECT SUM(${METRIC_NAMES.actionOutcome}) FROM "${METRICS_NAMESPACE}" ` +
        "WHERE outcome = 'failed' OR outcome = 'undeliverable'",
      usingMetrics: {},
      ...five,
    }),
    'Actions ended failed or undeliverable: a host refused, errored, or could not be reached.'
  );
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
