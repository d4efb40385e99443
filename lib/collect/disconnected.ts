import type { Action } from '../actions/model.js';
import { bareName } from '../dispatch/history.js';
import type { Ledger } from '../ledger/ledger.js';
import type { DisconnectedFor, SessionView } from '../policy/plan.js';
import type { ResolvedGroup } from '../policy/schema.js';
import type { QuserSession } from '../windows/types.js';

export interface DisconnectedInput {
  instanceId: string;
  group: ResolvedGroup;
  rows: readonly QuserSession[];
  /** The host's WTS DisconnectTime per session id (ISO 8601 UTC), where it has one. */
  hostDisconnectTimes: ReadonlyMap<number, string>;
  /** The host's clock when it listed the sessions. */
  observedAt: string;
  /** The host's recent actions (the ledger's clock). */
  history: readonly Action[];
}

const MINUTE_MS = 60_000;

/**
 * The sessions of a listing with how long each disconnected one has been disconnected, which is
 * what `logoffDisconnectedMinutes` measures (Windows' MaxDisconnectionTime counts from the
 * disconnect, not from the last input). The clock starts, in this order of trust:
 * 1. our own disconnect of this logon, from the ledger (unless the host saw a later disconnect:
 *    the user came back and left again);
 * 2. the host's WTS DisconnectTime, on the host's clock;
 * 3. the first listing that showed this disconnect (a ledger sighting; 0 minutes the first time).
 * Sessions the policy would not log off when disconnected are left as they are (no sighting written).
 */
export async function withDisconnectTimes(
  deps: { ledger: Pick<Ledger, 'firstSeenDisconnected'>; clock: () => Date },
  input: DisconnectedInput
): Promise<SessionView[]> {
  if (input.group.logoffDisconnectedMinutes === null) return [...input.rows];
  const now = deps.clock();
  const observedMs = Date.parse(input.observedAt);
  const views: SessionView[] = [];
  for (const row of input.rows) {
    if (row.state !== 'disconnected' || row.idleMinutes === null) {
      views.push(row);
      continue;
    }
    // A disconnected session takes no input: its last input is fixed for as long as it stays so.
    const idleSinceMs = observedMs - row.idleMinutes * MINUTE_MS;
    const ours = ourDisconnect(input.history, row, idleSinceMs);
    const hostText = input.hostDisconnectTimes.get(row.id);
    const hostMs = hostText === undefined ? Number.NaN : Date.parse(hostText);
    let disconnected: DisconnectedFor;
    if (ours !== null && !(hostMs > ours + MINUTE_MS)) {
      disconnected = since(ours, now.getTime(), 'ledger');
    } else if (!Number.isNaN(hostMs)) {
      disconnected = since(hostMs, observedMs, 'host');
    } else {
      const first = await deps.ledger.firstSeenDisconnected(
        {
          instanceId: input.instanceId,
          sessionId: row.id,
          userName: bareName(row.userName),
          logonTime: row.logonTime,
          idleSince: new Date(idleSinceMs),
        },
        now
      );
      disconnected = since(first.getTime(), now.getTime(), 'first-seen');
    }
    views.push({ ...row, disconnected });
  }
  return views;
}

function since(atMs: number, nowMs: number, source: DisconnectedFor['source']): DisconnectedFor {
  return {
    minutes: Math.max(0, Math.floor((nowMs - atMs) / MINUTE_MS)),
    since: `${new Date(atMs).toISOString().slice(0, 19)}Z`,
    source,
  };
}

/**
 * When we disconnected this logon session, if the disconnect it is in now is ours: a disconnect
 * action for the same session, user and logon that succeeded after the session's last input (one
 * minute of slack: quser floors idle minutes). A later input means the user reconnected since.
 */
function ourDisconnect(
  history: readonly Action[],
  row: QuserSession,
  idleSinceMs: number
): number | null {
  let latest: number | null = null;
  for (const action of history) {
    if (action.operation !== 'disconnect' || action.status !== 'succeeded') continue;
    const target = action.target;
    if (target.kind !== 'session' || target.sessionId !== row.id) continue;
    if (bareName(target.expectedUser) !== bareName(row.userName)) continue;
    if (target.logonTime && row.logonTime && target.logonTime !== row.logonTime) continue;
    const at = Date.parse(action.timestamps.succeeded ?? '');
    if (Number.isNaN(at) || at < idleSinceMs - MINUTE_MS) continue;
    if (latest === null || at > latest) latest = at;
  }
  return latest;
}
