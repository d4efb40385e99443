import type { Action, ActionResult, ActionStatus, AffectedEntry } from '../actions/model.js';
import { StaleTransitionError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outcome, TerminalActionStatus } from '../ssm/outcome.js';
import type { InvocationReading } from '../ssm/read.js';
import { readSmbOpenFiles, readSmbSessions } from '../windows/smb-json.js';
import type { Observer } from './observer.js';

/**
 * Whom a close operation cut off, from what its host reports it closed (`null`: not a close
 * operation, or an envelope that cannot say). Ending SMB sessions by client alone ends every
 * user's session from that client, and a file closed by path every user's handle: the trail
 * must name them all, not the 300 characters of an excerpt.
 */
export function affectedOf(
  action: Pick<Action, 'operation'>,
  reading: InvocationReading
): AffectedEntry[] | null {
  const envelope = reading.envelope;
  // A cut report would read as fewer people than were cut off.
  if (envelope === null || envelope.stdoutTruncated) return null;
  switch (action.operation) {
    case 'end-smb-session': {
      const read = readSmbSessions(envelope.stdout);
      if ('kind' in read) return null;
      return read.rows.map((s) => ({
        userName: s.userName ?? '',
        client: s.client,
        smbSessionId: s.sessionId,
      }));
    }
    case 'close-file': {
      const read = readSmbOpenFiles(envelope.stdout);
      if ('kind' in read) return null;
      return read.rows.map((f) => ({
        userName: f.userName ?? '',
        client: f.client ?? null,
        fileId: f.id,
        path: f.path,
      }));
    }
    default:
      return null;
  }
}

interface CompleteDeps {
  ledger: Pick<Ledger, 'complete' | 'recordAffected'>;
  observer: Observer;
}

/**
 * Completes a dispatched action with the outcome of its invocation. A close that succeeded first
 * records, per user, what it closed (idempotent writes), then completes with the whole list: a
 * crash between the two leaves the action open for its retry, never done without its record.
 */
export async function completeFromReading(
  deps: CompleteDeps,
  action: Pick<Action, 'id' | 'instanceId' | 'operation' | 'createdAt' | 'target'>,
  outcome: Exclude<Outcome, { status: 'pending' }>,
  reading: InvocationReading
): Promise<Action> {
  const affected = outcome.status === 'succeeded' ? affectedOf(action, reading) : null;
  const closes = action.operation === 'end-smb-session' || action.operation === 'close-file';
  if (affected === null && closes && outcome.status === 'succeeded') {
    deps.observer.warn('the host did not report whole what it closed', {
      actionId: action.id,
      instanceId: action.instanceId,
    });
  }
  if (affected !== null) await deps.ledger.recordAffected(action, affected);
  return completeAction(deps, action, outcome.status, outcome.result, {
    affected: affected ?? undefined,
  });
}

/**
 * Moves an action to a terminal status (only from `from`, when given); a transition someone else
 * made first is not an error: the action is returned as it is now.
 */
export async function completeAction(
  deps: { ledger: Pick<Ledger, 'complete'>; observer: Observer },
  action: Pick<Action, 'id'>,
  status: TerminalActionStatus,
  result: ActionResult,
  options: { from?: readonly ActionStatus[]; affected?: readonly AffectedEntry[] } = {}
): Promise<Action> {
  try {
    const done = await deps.ledger.complete(action.id, status, result, options);
    deps.observer.finished(done);
    return done;
  } catch (error) {
    if (error instanceof StaleTransitionError) return error.current;
    throw error;
  }
}
