import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { readBatch, readingKey } from '../lib/collect/batch-read.js';
import {
  type CollectDeps,
  handleInvocationStatus,
  type InvocationStatusInput,
} from '../lib/collect/collect.js';
import { invocationsOf, type SsmStatusEvent, ssmStatusEventSchema } from '../lib/collect/events.js';
import type { InvocationReading } from '../lib/ssm/read.js';
import { observed } from './shared/middleware.js';
import { log } from './shared/observability.js';
import type { Runtime } from './shared/runtime.js';

const bodySchema = JSONStringified(ssmStatusEventSchema);

/** A record whose body the batch processor has parsed (a bad one fails before the handler). */
type StatusRecord = ParsedRecord<SQSRecord, SsmStatusEvent>;

/**
 * `command-status` (Run Command status events through SQS): a `ListSessions` result becomes
 * planned and dispatched actions; an action's result completes it. A record that fails (bad
 * shape, or work that must wait) is reported as a batch item failure and comes back later: no
 * record is ever slept on, so one slow record cannot time the whole batch out. The batch's
 * invocations are read per command first (a sweep's 50 hosts in one ListCommandInvocations), then
 * each record is handled on its own.
 */
export function createCommandStatusHandler(runtime: Runtime) {
  const deps: CollectDeps = {
    ...runtime.send,
    ledger: runtime.ledger,
    policy: runtime.policy,
    missingRetryMs: runtime.invocationWaitMs,
  };
  const { documents } = runtime.send;

  const invocationsIn = (record: SQSRecord): InvocationStatusInput[] => {
    const parsed = bodySchema.safeParse(record.body);
    return parsed.success ? invocationsOf(parsed.data, documents) : [];
  };

  const recordHandler = async (
    record: StatusRecord,
    readings: ReadonlyMap<string, InvocationReading>
  ): Promise<void> => {
    const event = record.body;
    const invocations = invocationsOf(event, documents);
    if (invocations.length === 0) {
      log().info('status event ignored', { eventId: event.id, reason: 'not ours' });
    }
    const queuedForMs = Date.now() - Number(record.attributes.SentTimestamp);
    for (const invocation of invocations) {
      const reading = readings.get(readingKey(invocation.commandId, invocation.instanceId));
      const result = await handleInvocationStatus(deps, {
        ...invocation,
        ...(Number.isFinite(queuedForMs) ? { queuedForMs } : {}),
        ...(reading ? { reading } : {}),
      });
      log().info('status event handled', {
        eventId: event.id,
        commandId: invocation.commandId,
        instanceId: invocation.instanceId,
        result: result.kind,
        ...(result.kind === 'ignored' || result.kind === 'host-failed'
          ? { reason: result.reason }
          : {}),
        ...(result.kind === 'action' ? { actionId: result.action.id } : {}),
        ...(result.kind === 'sessions'
          ? {
              sweepId: result.sweepId,
              group: result.group,
              sessions: result.sessions,
              actionIds: result.actions.map((a) => a.id),
            }
          : {}),
      });
    }
  };

  return observed(async (event: SQSEvent, context) => {
    const readings = await readBatch(deps, event.Records.flatMap(invocationsIn));
    return processPartialResponse(
      event,
      (record: StatusRecord) => recordHandler(record, readings),
      new BatchProcessor(EventType.SQS, {
        parser,
        innerSchema: ssmStatusEventSchema,
        transformer: 'json',
        logger: log(),
      }),
      {
        context,
        // One at a time: an invocation event and its command event often share a batch, and two
        // copies of the same work in parallel could both send the same planned action.
        processInParallel: false,
      }
    );
  });
}
