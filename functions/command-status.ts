import {
  BatchProcessor,
  EventType,
  ParsingError,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
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
import { duplicateKeyPath } from '../lib/json/duplicate-keys.js';
import type { InvocationReading } from '../lib/ssm/read.js';
import { observed } from './shared/middleware.js';
import { log } from './shared/observability.js';
import type { Runtime } from './shared/runtime.js';

/**
 * Built once: the batch processor's own parser would extend the SQS record schema again for
 * every record (and import its modules again for each), a tenth of the function's time.
 */
const recordSchema = SqsRecordSchema.extend({ body: JSONStringified(ssmStatusEventSchema) });

/** Each record parsed once, before the batch: its status event, or why it is not one. */
type ParsedRecord = { event: SsmStatusEvent } | { error: string };
type ParsedRecords = ReadonlyMap<string, ParsedRecord>;

function parseRecords(records: readonly SQSRecord[]): ParsedRecords {
  const parsed = new Map<string, ParsedRecord>();
  for (const record of records) {
    const result = recordSchema.safeParse(record);
    if (!result.success) {
      const why = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      parsed.set(record.messageId, { error: why });
      continue;
    }
    // JSON.parse keeps the last of repeated keys; a body that names two commands, hosts or
    // documents says nothing EventBridge would send, so it is refused as the API refuses one.
    const duplicate = duplicateKeyPath(record.body);
    parsed.set(
      record.messageId,
      duplicate === null
        ? { event: result.data.body }
        : { error: `body.${duplicate.join('.')}: duplicate key` }
    );
  }
  return parsed;
}

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
    record: SQSRecord,
    parsed: ParsedRecords,
    readings: ReadonlyMap<string, InvocationReading>,
    pending: Map<string, Pending>
  ): Promise<void> => {
    const read = parsed.get(record.messageId) ?? { error: 'not in this batch' };
    // A bad record fails alone: the processor reports it, and SQS hands it back.
    if ('error' in read) throw new ParsingError(read.error);
    const { event } = read;
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
      const result = await examineInvocation(deps, {
        ...invocation,
        queuedForMs: Number.isFinite(queuedForMs) ? queuedForMs : undefined,
        reading: readings.get(key),
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
    const parsed = parseRecords(event.Records);
    const readings = await readBatch(
      deps,
      [...parsed.values()].flatMap((r) => ('event' in r ? invocationsOf(r.event, documents) : []))
    );
    const pending = new Map<string, Pending>();
    const response = await processPartialResponse(
      event,
      (record: SQSRecord) => recordHandler(record, parsed, readings, pending),
      new BatchProcessor(EventType.SQS, { logger: log() }),
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
