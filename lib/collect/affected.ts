import type { Action, AffectedEntry } from '../actions/model.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outcome } from '../ssm/outcome.js';
import type { InvocationReading } from '../ssm/read.js';
import { readSmbOpenFiles, readSmbSessions } from '../windows/smb-json.js';
import { type ActDeps, finish } from './act.js';

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
        ...(s.sessionId === undefined ? {} : { smbSessionId: s.sessionId }),
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

type FinishDeps = Pick<ActDeps, 'observer'> & {
  ledger: Pick<Ledger, 'complete' | 'recordAffected'>;
};

/**
 * Completes a dispatched action with the outcome of its invocation. A close that succeeded first
 * records, per user, what it closed (idempotent writes), then completes with the whole list: a
 * crash between the two leaves the action open for its retry, never done without its record.
 */
export async function finishFromReading(
  deps: FinishDeps,
  action: Pick<Action, 'id' | 'instanceId' | 'operation' | 'createdAt'>,
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
  return finish(deps, action, outcome.status, outcome.result, undefined, affected ?? undefined);
}
