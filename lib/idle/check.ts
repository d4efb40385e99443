import type { Action } from '../actions/model.js';
import type { CollectDeps, CollectResult } from '../collect/collect.js';
import { withDisconnectTimes } from '../collect/disconnected.js';
import { actionsHeld, staleListing } from '../collect/listing-checks.js';
import { type IdleCheckPurpose, userTagOf } from '../dispatch/comments.js';
import { dispatchPlan, type QuotaGrant } from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import {
  actedThisIdlePeriod,
  notifiesOf,
  recentActions,
  recordedExclusion,
} from '../dispatch/history.js';
import { planHost } from '../policy/plan.js';
import { type ResolvedGroup, resolveGroup } from '../policy/schema.js';
import { sessionListingOf } from '../ssm/listing.js';
import { outcomeOf } from '../ssm/outcome.js';
import type { InvocationReading } from '../ssm/read.js';
import type { QuserSession } from '../windows/types.js';

export interface IdleCheckResult {
  kind: 'idle-checked';
  eventId: string;
  group: string;
  sessionId: number;
  /** What the host reported and what followed from it. */
  reason: string;
  actions: Action[];
}

/**
 * The host's own answer to the `ListSessions` an idle event asked for. The event was only a hint:
 * the plan is made from this fresh `quser` row alone, for the one session the event named and only
 * while it still belongs to the event's user. A session that is gone, changed hands or is not
 * idle enough right now gets nothing.
 */
export async function checkIdleSession(
  deps: CollectDeps,
  purpose: IdleCheckPurpose,
  reading: InvocationReading
): Promise<CollectResult> {
  const { instanceId } = reading;
  const { eventId, sessionId } = purpose;
  const group = resolveGroup(deps.policy, purpose.group);
  const done = (reason: string, actions: Action[] = []): IdleCheckResult => {
    deps.observer.info('idle event checked on the host', {
      eventId,
      instanceId,
      sessionId,
      group: group.name,
      reason,
      actionIds: actions.map((a) => a.id),
    });
    return { kind: 'idle-checked', eventId, group: group.name, sessionId, reason, actions };
  };

  const listed = sessionsOf(reading);
  if (listed.kind === 'pending') return { kind: 'ignored', reason: 'still pending' };
  if (listed.kind === 'failed') {
    deps.observer.warn('host could not list its sessions', { eventId, instanceId, ...listed });
    return done(`host could not list its sessions: ${listed.reason}`);
  }
  const stale = staleListing(deps, listed.hostTimeUtc);
  if (stale !== null) return done(stale);
  const held = actionsHeld(listed.languageMode);
  if (held !== null) {
    deps.observer.warn('host cannot act on sessions', { eventId, instanceId, reason: held });
    return done(held);
  }
  const session = listed.rows.find((row) => row.id === sessionId);
  if (!session) return done(`session ${sessionId} no longer exists`);
  if (userTagOf(session.userName) !== purpose.userTag) {
    return done(`session ${sessionId} now belongs to another user`);
  }

  const history = await recentActions(deps.ledger, instanceId);
  const sessions = await withDisconnectTimes(deps, {
    instanceId,
    group,
    rows: [session],
    hostDisconnectTimes: listed.disconnectTimes,
    observedAt: listed.hostTimeUtc,
    history,
  });
  const plan = planHost({
    group,
    sessions,
    observedAt: listed.hostTimeUtc,
    utcOffsetMinutes: listed.utcOffsetMinutes,
    priorNotifies: notifiesOf(history),
    now: deps.clock().toISOString(),
    fleetRemaining: Number.POSITIVE_INFINITY,
    consoleSessionId: listed.consoleSessionId,
  });
  if (plan.actions.length === 0) {
    return done(
      `the host reports session ${sessionId} ${session.state}, idle ` +
        `${session.idleMinutes ?? 'unknown'} min: policy '${group.name}' asks for nothing`
    );
  }
  // The history's times are the ledger's: measure the idle period on the same clock.
  const nowMs = deps.clock().getTime();
  const sameEvent = (a: Action) => a.trigger.kind === 'idle-event' && a.trigger.eventId === eventId;
  const earlier = plan.actions
    .map((planned) => actedThisIdlePeriod(history, planned, nowMs, sameEvent))
    .find((a) => a !== null);
  if (earlier) return done(`already ${earlier.operation} in this idle period (${earlier.id})`);
  const excluded = plan.actions.map((planned) => recordedExclusion(history, planned)).find(Boolean);
  if (excluded) return done(`exclusion already recorded for this logon (${excluded.id})`);

  const { actions, retry } = await dispatchPlan(deps, {
    instanceId,
    trigger: { kind: 'idle-event', eventId },
    group,
    planned: plan.actions,
    claim: (wanted) => claimIdleBudget(deps, instanceId, group, wanted),
  });
  if (retry) throw new RetryLaterError(`the action for event ${eventId} could not be sent yet`);
  return done(`confirmed by the host: ${plan.actions.map((a) => a.reason).join('; ')}`, actions);
}

/**
 * Idle events arrive one session at a time, so no listing bounds what they do: each send takes a
 * unit of the host's budget (`maxActionsPerHost`) and then of the fleet's
 * (`fleet.maxActionsPerSweep`) for the current window, as a sweep's sends do for the sweep.
 */
export async function claimIdleBudget(
  deps: Pick<CollectDeps, 'ledger' | 'policy' | 'clock'>,
  instanceId: string,
  group: ResolvedGroup,
  wanted: number
): Promise<QuotaGrant> {
  const window = { windowMinutes: IDLE_WINDOW_MINUTES, at: deps.clock() };
  const host = { ...window, scope: `idle-act:${instanceId}` };
  const hostGranted = await deps.ledger.claimQuota({
    ...host,
    wanted,
    max: group.maxActionsPerHost,
  });
  if (hostGranted === 0) {
    return { granted: 0, refused: hostLimit(group) };
  }
  const granted = await deps.ledger.claimQuota({
    ...window,
    scope: 'idle-act:fleet',
    wanted: hostGranted,
    max: deps.policy.fleetMaxActionsPerSweep,
  });
  if (granted < hostGranted) {
    await deps.ledger.releaseQuota({ ...host, wanted: hostGranted - granted });
    return { granted, refused: { limit: 'fleet-limit', detail: FLEET_LIMIT_DETAIL } };
  }
  return { granted, refused: hostLimit(group) };
}

/** The window of the idle events' blast-radius budgets: the longest an event stays fresh. */
export const IDLE_WINDOW_MINUTES = 15;
const FLEET_LIMIT_DETAIL = `fleet limit for idle events in ${IDLE_WINDOW_MINUTES} minutes reached`;

function hostLimit(group: ResolvedGroup): QuotaGrant['refused'] {
  return {
    limit: 'host-limit',
    detail: `host limit of ${group.maxActionsPerHost} in ${IDLE_WINDOW_MINUTES} minutes reached`,
  };
}

type SessionListing =
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string }
  | {
      kind: 'listed';
      rows: QuserSession[];
      disconnectTimes: ReadonlyMap<number, string>;
      consoleSessionId: number | null;
      hostTimeUtc: string;
      utcOffsetMinutes: number;
      languageMode: string;
    };

function sessionsOf(reading: InvocationReading): SessionListing {
  const outcome = outcomeOf(reading, 'ListSessions');
  if (outcome.status === 'pending') return { kind: 'pending' };
  const envelope = reading.envelope;
  if (outcome.status !== 'succeeded' || envelope === null) {
    const { errorCode, excerpt } = outcome.result;
    return { kind: 'failed', reason: `${outcome.status}: ${errorCode ?? ''} ${excerpt}` };
  }
  const parsed = sessionListingOf(envelope);
  if (parsed.kind === 'failed') return parsed;
  return {
    kind: 'listed',
    rows: parsed.rows,
    disconnectTimes: parsed.disconnectTimes,
    consoleSessionId: parsed.consoleSessionId,
    hostTimeUtc: envelope.hostTimeUtc,
    utcOffsetMinutes: envelope.utcOffsetMinutes,
    languageMode: envelope.languageMode,
  };
}
