import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Action } from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';
import { ACTION_STATUS_DETAIL_TYPE, ACTION_STATUS_SOURCE } from '../contract.js';
import { StaleTransitionError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { actionStatusDetail } from './event.js';

export type PublishOutcome = (action: Action) => Promise<void>;

export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

/** Puts one `Action Status-change` event on `busName`; a failed entry throws, to be retried. */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): PublishOutcome {
  return async (action) => {
    if (!isTerminal(action.status)) return;
    const detail = actionStatusDetail({ ...action, status: action.status });
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: ACTION_STATUS_SOURCE,
            DetailType: ACTION_STATUS_DETAIL_TYPE,
            Resources: [],
            Detail: JSON.stringify(detail),
          },
        ],
      })
    );
    const failed = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0 || failed?.EventId === undefined) {
      throw new PublishError(
        `the outcome of ${action.id} was not published: ${failed?.ErrorCode ?? 'no event id'} ${failed?.ErrorMessage ?? ''}`.trim()
      );
    }
  };
}

/**
 * The ledger whose terminal transitions publish: `complete` is the one place an action becomes
 * terminal, so every way an action ends (send, status event, reconcile, skip, cancel) publishes,
 * after the write. At least once: a failed put throws, failing the invocation so that SQS or
 * Lambda retries the work, and every retry that meets the action already terminal publishes it
 * again through `publishTerminal` (a redelivered status record, a repeated plan or request, a
 * retried reconcile), as does a completion refused because a concurrent one wrote first. So a
 * failed put, or a crash between the write and the put, is made good by that retry. Consumers
 * drop duplicates by `dedupeId`.
 */
export function publishingLedger(ledger: Ledger, publish: PublishOutcome): Ledger {
  return {
    ...ledger,
    async complete(id, status, result, options) {
      let done: Action;
      try {
        done = await ledger.complete(id, status, result, options);
      } catch (error) {
        if (error instanceof StaleTransitionError && isTerminal(error.current.status)) {
          await publish(error.current);
        }
        throw error;
      }
      await publish(done);
      return done;
    },
    publishTerminal: publish,
  };
}
