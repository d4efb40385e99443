import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../lib/contract.js';
import { type Json, render, synthStack } from './synth.js';

const { stack, template, logicalId } = synthStack();
const dashboards = Object.entries(template.findResources('AWS::CloudWatch::Dashboard'));
const [dashboardId, dashboard] = dashboards[0] ?? ['', undefined];

interface Widget {
  properties: { title: string; metrics: Json[][] };
}
// The body is JSON joined around the resources' references; rendered, they read `<LogicalId>`.
const body = JSON.parse(String(render(dashboard?.Properties.DashboardBody as Json))) as {
  widgets: Widget[];
};
const widget = (title: string): Widget => {
  const found = body.widgets.find((w) => w.properties.title === title);
  if (!found)
    throw new Error(`no widget '${title}' in ${body.widgets.map((w) => w.properties.title)}`);
  return found;
};
/** The Metrics Insights queries a widget draws. */
const queries = (title: string) =>
  widget(title)
    .properties.metrics.map((line) =>
      line.find((part) => typeof part === 'object' && part !== null)
    )
    .map((options) => (options as { expression?: string }).expression)
    .filter(Boolean);

describe('dashboard', () => {
  it('is one dashboard whose name is a stack output', () => {
    expect(dashboards).toHaveLength(1);
    expect(template.toJSON().Outputs.DashboardName.Value).toEqual({ Ref: dashboardId });
  });

  it('draws actions by operation and outcome, and skipped actions by reason', () => {
    expect(queries('Actions by operation and outcome')).toEqual([
      `SELECT SUM(${METRIC_NAMES.actionOutcome}) FROM "${METRICS_NAMESPACE}" GROUP BY operation, outcome`,
    ]);
    expect(queries('Skipped actions by reason')).toEqual([
      `SELECT SUM(${METRIC_NAMES.actionsSkipped}) FROM "${METRICS_NAMESPACE}" GROUP BY reason`,
    ]);
  });

  it('draws sweep duration and hosts per sweep from the metrics the sweep emits', () => {
    const sweepDuration = [
      METRICS_NAMESPACE,
      METRIC_NAMES.sweepDuration,
      'service',
      'session-janitor',
    ];
    // Average is the widget's default statistic, which CloudWatch's body leaves unsaid.
    expect(widget('Sweep duration (ms)').properties.metrics).toEqual([
      [...sweepDuration, { label: 'average' }],
      [...sweepDuration, { label: 'longest', stat: 'Maximum' }],
    ]);
    expect(widget('Hosts per sweep').properties.metrics).toEqual([
      [
        METRICS_NAMESPACE,
        METRIC_NAMES.sweepHosts,
        'service',
        'session-janitor',
        { label: 'hosts', stat: 'Maximum' },
      ],
    ]);
  });

  it('draws the status queue age and both dead-letter queues', () => {
    const names = (title: string) =>
      widget(title).properties.metrics.map((line) => line.slice(0, 4));
    expect(names('command-status queue: age of the oldest event (s)')).toEqual([
      [
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        `<${logicalId(stack.statusQueue)}.QueueName>`,
      ],
    ]);
    expect(names('Dead letters')).toEqual([
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        `<${logicalId(stack.statusDeadLetterQueue)}.QueueName>`,
      ],
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        `<${logicalId(stack.failedEventsQueue)}.QueueName>`,
      ],
    ]);
  });

  it.each([
    ['Function errors', 'Errors'],
    ['Function throttles', 'Throttles'],
    ['Function duration p99 (ms)', 'Duration'],
  ])('draws %s of every function', (title, metric) => {
    const functions = Object.values(stack.functions).map((fn) => `<${logicalId(fn.function)}>`);
    expect(widget(title).properties.metrics.map((line) => line.slice(0, 4))).toEqual(
      functions.map((ref) => ['AWS/Lambda', metric, 'FunctionName', ref])
    );
  });

  it('draws SSM calls retried after throttling, by operation', () => {
    expect(queries('SSM calls retried after throttling, by operation')).toEqual([
      `SELECT SUM(${METRIC_NAMES.ssmThrottleRetries}) FROM "${METRICS_NAMESPACE}" GROUP BY operation`,
    ]);
  });
});
