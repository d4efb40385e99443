import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { readBatch, readingKey } from '../lib/collect/batch-read.js';
import {
  type CollectDeps,
  type CollectResult,
  examineInvocation,
  type InvocationStatusInput,
} from '../lib/collect/collect.js';
import { invocationsOf, type SsmStatusEvent, ssmStatusEventSchema } from '../lib/collect/events.js';
import { type ListingToSend, settleListings } from '../lib/collect/sessions.js';
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
 * each record is handled on its own, except that a sweep's listings stop once their actions are
 * recorded and then send together (one claim on the sweep's budget for the whole batch).
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

  const logHandled = (
    eventId: string,
    invocation: InvocationStatusInput,
    result: CollectResult
  ) => {
    log().info('status event handled', {
      eventId,
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
  };

  const recordHandler = async (
    record: StatusRecord,
    readings: ReadonlyMap<string, InvocationReading>,
    pending: Map<string, Pending>
  ): Promise<void> => {
    const event = record.body;
    const invocations = invocationsOf(event, documents);
    if (invocations.length === 0) {
      log().info('status event ignored', { eventId: event.id, reason: 'not ours' });
    }
    const queuedForMs = Date.now() - Number(record.attributes.SentTimestamp);
    for (const invocation of invocations) {
      const key = readingKey(invocation.commandId, invocation.instanceId);
      if (pending.has(key)) {
        // The same listing twice in one batch (a duplicated event): the first one settles it.
        logHandled(event.id, invocation, { kind: 'ignored', reason: 'repeated in this batch' });
        continue;
      }
      const reading = readings.get(key);
      const result = await examineInvocation(deps, {
        ...invocation,
        ...(Number.isFinite(queuedForMs) ? { queuedForMs } : {}),
        ...(reading ? { reading } : {}),
      });
      if (result.kind === 'to-send') {
        pending.set(key, {
          messageId: record.messageId,
          eventId: event.id,
          invocation,
          listing: result,
        });
        continue;
      }
      logHandled(event.id, invocation, result);
    }
  };

  return observed(async (event: SQSEvent, context) => {
    const readings = await readBatch(deps, event.Records.flatMap(invocationsIn));
    const pending = new Map<string, Pending>();
    const response = await processPartialResponse(
      event,
      (record: StatusRecord) => recordHandler(record, readings, pending),
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
    // The batch's listings send together: one claim on a sweep's budget for all of them.
    const waiting = [...pending.values()];
    const settled = await settleListings(
      deps,
      waiting.map((p) => p.listing)
    );
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    settled.forEach((outcome, i) => {
      const { messageId, eventId, invocation } = waiting[i] as Pending;
      if (outcome.ok) {
        logHandled(eventId, invocation, outcome.result);
        return;
      }
      log().warn('status event handed back', {
        eventId,
        commandId: invocation.commandId,
        instanceId: invocation.instanceId,
        error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
      });
      failed.add(messageId);
    });
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  });
}

/** A sweep's listing of a batch, its actions recorded, waiting to send with the others. */
interface Pending {
  messageId: string;
  eventId: string;
  invocation: InvocationStatusInput;
  listing: ListingToSend;
}
