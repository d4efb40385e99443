import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type EventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  DOCUMENT_NAME,
  FUNCTION_TIMEOUT_SECONDS,
  INVOCATION_DETAIL_TYPE,
  NOT_FINAL_STATUSES,
  READ_DOCUMENT_NAME,
  SESSION_IDLE_DETAIL_TYPE,
  SESSION_IDLE_SOURCE,
  SSM_EVENT_SOURCE,
  STATUS_BATCH,
} from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

/**
 * What starts the functions: the sweep's schedule, the Session Idle rule, the status events'
 * queue, and the failed-events queue behind them all. Each builds in the stack's own scope (ids
 * and the template unchanged); the stack calls them in its order, which is the template's.
 */

/**
 * The dead-letter destination of the EventBridge targets, the schedule and the asynchronous
 * functions; the functions need it before anything else here exists.
 */
export function createFailedEventsQueue(scope: Construct): Queue {
  const queue = new Queue(scope, 'FailedEvents', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge(
    {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter destination of the EventBridge targets, the schedule and ' +
        'the asynchronous functions; an alarm watches its depth.',
    },
    {
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'A dead-letter destination itself; nothing consumes it, so nothing is redriven.',
    }
  );
  return queue;
}

/** EventBridge Scheduler starts the sweep at `expression`, through a role that may do only that. */
export function scheduleSweeps(
  scope: Construct,
  options: { sweep: JanitorFunction; expression: string; deadLetterQueue: IQueue }
): void {
  const stack = Stack.of(scope);
  const role = new Role(scope, 'SweepSchedulerRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
    description: 'Lets EventBridge Scheduler start the session-janitor sweep',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(options.sweep.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
    reason:
      'lambda:InvokeFunction on the sweep function and its versions (`:*`), granted by the ' +
      'Scheduler target; the role can invoke nothing else.',
  });
  new Schedule(scope, 'SweepSchedule', {
    description: 'Starts a session-janitor sweep',
    schedule: ScheduleExpression.expression(options.expression),
    target: new LambdaInvoke(options.sweep.function, {
      // The scheduled time, not the delivery time, names the sweep: a retried attempt of the
      // same run carries the same time and finds its sweep record instead of sending again.
      input: ScheduleTargetInput.fromObject({
        scheduledTime: ContextAttribute.scheduledTime,
        scheduleArn: ContextAttribute.scheduleArn,
        executionId: ContextAttribute.executionId,
        attemptNumber: ContextAttribute.attemptNumber,
      }),
      role,
      deadLetterQueue: options.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.minutes(30),
    }),
  });
}

/** The hosts' Session Idle events on the bus go to idle-event. */
export function routeSessionIdle(
  scope: Construct,
  options: { bus: EventBus; idleEvent: JanitorFunction; deadLetterQueue: IQueue }
): void {
  new Rule(scope, 'SessionIdleRule', {
    eventBus: options.bus,
    description: 'Session Idle events put by managed hosts (their watchers)',
    eventPattern: { source: [SESSION_IDLE_SOURCE], detailType: [SESSION_IDLE_DETAIL_TYPE] },
    targets: [
      new LambdaFunction(options.idleEvent.function, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.minutes(15),
      }),
    ],
  });
}

/**
 * Run Command's status events of the two documents, through a queue (and its own dead-letter
 * queue) to command-status in batches.
 */
export function queueStatusEvents(
  scope: Construct,
  options: {
    commandStatus: JanitorFunction;
    /** How many command-status invocations may consume at once. */
    concurrency: number;
    deadLetterQueue: IQueue;
  }
): { queue: Queue; deadLetterQueue: Queue } {
  const deadLetterQueue = new Queue(scope, 'StatusDeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason: 'The dead-letter queue of the status queue; an alarm watches its depth.',
  });
  const queue = new Queue(scope, 'StatusEvents', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Six times the consumer's timeout, as Lambda recommends for SQS event sources.
    visibilityTimeout: Duration.seconds(6 * FUNCTION_TIMEOUT_SECONDS['command-status']),
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  new Rule(scope, 'CommandStatusRule', {
    description: `Run Command invocation status changes of ${DOCUMENT_NAME} and ${READ_DOCUMENT_NAME}`,
    eventPattern: {
      source: [SSM_EVENT_SOURCE],
      detailType: [INVOCATION_DETAIL_TYPE],
      detail: {
        'document-name': [DOCUMENT_NAME, READ_DOCUMENT_NAME],
        // Only news worth a read: SSM publishes no full list of statuses, so everything but the
        // known intermediate ones passes.
        status: Match.anythingBut(...NOT_FINAL_STATUSES),
      },
    },
    targets: [
      new SqsQueue(queue, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    ],
  });
  options.commandStatus.function.addEventSource(
    new SqsEventSource(queue, {
      batchSize: STATUS_BATCH.size,
      maxBatchingWindow: Duration.seconds(STATUS_BATCH.windowSeconds),
      reportBatchItemFailures: true,
      // The cap on concurrent consumers is what keeps a burst of status events within the
      // SSM API rate quotas (each record costs a GetCommandInvocation and maybe a SendCommand).
      maxConcurrency: options.concurrency,
    })
  );
  Validations.of(options.commandStatus).acknowledge({
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason:
      'SQS event source mappings support no on-failure destination; the queue redrive policy ' +
      'moves messages that keep failing to the status dead-letter queue.',
  });
  return { queue, deadLetterQueue };
}
