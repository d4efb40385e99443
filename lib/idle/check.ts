import type { Action } from '../actions/model.js';
import type { CollectDeps, CollectResult } from '../collect/collect.js';
import {
  actionsHeld,
  listingOf,
  planListedSessions,
  staleListing,
} from '../collect/listing-checks.js';
import { type IdleCheckPurpose, userTagOf } from '../dispatch/comments.js';
import { dispatchPlan, type QuotaGrant } from '../dispatch/dispatch.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { actedThisIdlePeriod, recentActions, recordedExclusion } from '../dispatch/history.js';
import { type ResolvedGroup, resolveGroup } from '../policy/schema.js';
import { sessionListingOf } from '../ssm/listing.js';
import type { InvocationReading } from '../ssm/read.js';

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

  const read = listingOf(reading, 'ListSessions', sessionListingOf);
  if (read.kind === 'pending') return { kind: 'ignored', reason: 'still pending' };
  if (read.kind === 'failed') {
    deps.observer.warn('host could not list its sessions', { eventId, instanceId, ...read });
    return done(`host could not list its sessions: ${read.reason}`);
  }
  const { envelope, listing: listed } = read;
  const stale = staleListing(deps, envelope.hostTimeUtc);
  if (stale !== null) return done(stale);
  const held = actionsHeld(envelope.languageMode);
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
  const plan = await planListedSessions(deps, {
    instanceId,
    group,
    rows: [session],
    envelope,
    listing: listed,
    history,
    fleetRemaining: Number.POSITIVE_INFINITY,
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
    listedAt: envelope.hostTimeUtc,
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
