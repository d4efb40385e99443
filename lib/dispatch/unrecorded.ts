import { type Command, ListCommandsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Action } from '../actions/model.js';
import type { HostDocuments } from '../contract.js';
import { StaleTransitionError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { callSsmPages } from '../ssm/call.js';
import { SsmServiceError } from '../ssm/errors.js';
import type { RetryPolicy } from '../ssm/retry.js';
import { actionComment } from './comments.js';
import type { Observer } from './observer.js';

/**
 * A sender can die between SendCommand and recording the dispatch. The command then exists in SSM
 * (its comment names the action) while the ledger still says `planned`; these find it and record
 * it, so the action is neither sent a second time nor declared unsent.
 */

export interface FindSentDeps {
  ssm: SSMClient;
  documents: HostDocuments;
  retry?: Partial<RetryPolicy>;
}

export interface SentCommandQuery {
  actionId: string;
  instanceId: string;
  /**
   * Commands requested before this are not looked at (the action's creation, less a margin).
   * There is no upper bound: a command sent at any time after it proves the sending.
   */
  after: Date;
}

/** A command SSM holds for an action. */
export interface FoundCommand {
  commandId: string;
  /** `null` only if SSM leaves it out. */
  requestedAt: Date | null;
  /** When SSM gives up on the command at the latest (delivery + execution timeouts). */
  expiresAfter: Date | null;
}

const PAGE_SIZE = 50;

/** `CommandFilter` times are given to the second (`2024-07-07T00:00:00Z`), rounded down. */
function filterTime(at: Date): string {
  return `${new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * The operate document's commands requested since `query.after` (on the action's instance, if
 * `byInstance`) that carry the action's comment.
 */
async function listSent(
  deps: FindSentDeps,
  query: SentCommandQuery,
  byInstance: boolean
): Promise<Command[]> {
  const after = filterTime(query.after);
  const comment = actionComment(query.actionId);
  const listed = await callSsmPages(
    'ListCommands',
    (nextToken) =>
      deps.ssm.send(
        new ListCommandsCommand({
          InstanceId: byInstance ? query.instanceId : undefined,
          Filters: [
            // Every action is sent with the operate document; listings never carry an action's comment.
            { key: 'DocumentName', value: deps.documents.operate },
            { key: 'InvokedAfter', value: after },
          ],
          MaxResults: PAGE_SIZE,
          NextToken: nextToken,
        })
      ),
    (output) => output.Commands,
    { retry: deps.retry, retryTransient: true }
  );
  return listed.filter(
    (c) => c.Comment === comment && (c.InstanceIds ?? []).includes(query.instanceId)
  );
}

/**
 * The first command sent for an action, if SSM holds any: ListCommands of the document requested
 * since `after`, on the action's instance, matched by the action's comment. `null` proves that no
 * command for it was requested since then. An instance SSM no longer knows (terminated,
 * deregistered) cannot be listed by id; then the document's commands are read without it.
 */
export async function findSentCommand(
  deps: FindSentDeps,
  query: SentCommandQuery
): Promise<FoundCommand | null> {
  let commands: Command[];
  try {
    commands = await listSent(deps, query, true);
  } catch (error) {
    if (!(error instanceof SsmServiceError && error.errorName === 'InvalidInstanceId')) throw error;
    commands = await listSent(deps, query, false);
  }
  const sent = commands
    .filter((c): c is Command & { CommandId: string } => typeof c.CommandId === 'string')
    .map((c) => ({
      commandId: c.CommandId,
      requestedAt: c.RequestedDateTime ?? null,
      expiresAfter: c.ExpiresAfter ?? null,
    }))
    .sort((a, b) => (a.requestedAt?.getTime() ?? 0) - (b.requestedAt?.getTime() ?? 0));
  return sent[0] ?? null;
}

/** Commands requested this long before their action's creation still count (clock skew). */
const SKEW_MS = 60_000;

/** The first command sent for `action` since its creation, if any. */
export function findCommandSentFor(
  deps: FindSentDeps,
  action: Pick<Action, 'id' | 'instanceId' | 'createdAt'>
): Promise<FoundCommand | null> {
  return findSentCommand(deps, {
    actionId: action.id,
    instanceId: action.instanceId,
    after: new Date(Date.parse(action.createdAt) - SKEW_MS),
  });
}

/**
 * Records a dispatch that happened without being recorded. Conditional like every dispatch: of
 * this and a concurrent sender's or status event's record, the first wins and the others get
 * the action as it is now.
 */
export async function recordFoundDispatch(
  deps: { ledger: Pick<Ledger, 'markDispatched'>; observer: Observer },
  action: Pick<Action, 'id' | 'instanceId'>,
  found: { commandId: string; sentAt: Date | null; deadline: Date; by: string }
): Promise<Action> {
  try {
    const dispatched = await deps.ledger.markDispatched(action, {
      commandId: found.commandId,
      deadline: found.deadline,
      at: found.sentAt ?? undefined,
    });
    deps.observer.info('unrecorded dispatch found', {
      actionId: action.id,
      instanceId: action.instanceId,
      commandId: found.commandId,
      by: found.by,
    });
    return dispatched;
  } catch (error) {
    if (error instanceof StaleTransitionError) return error.current;
    throw error;
  }
}
