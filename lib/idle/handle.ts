import type { Action } from '../actions/model.js';
import { type ActDeps, carryOut } from '../collect/act.js';
import { notifiesOf, recentActions } from '../collect/collect.js';
import { RetryLaterError } from '../collect/errors.js';
import { actedThisIdlePeriod } from '../collect/history.js';
import type { Ledger } from '../ledger/ledger.js';
import { planHost } from '../policy/plan.js';
import { namedGroups, type Policy, resolveGroup } from '../policy/schema.js';
import { describeHost } from '../ssm/instances.js';
import { findHostGroup } from './host-group.js';
import { offsetMinutesOf, type SessionIdleEvent } from './schema.js';

export interface IdleDeps extends ActDeps {
  ledger: Ledger;
  policy: Policy;
  managedTag: { key: string; value: string };
  groupTagKey: string;
  /** An event observed longer ago than this describes a session that has moved on. @default 15 */
  maxEventAgeMinutes?: number;
}

export type IdleResult =
  | { kind: 'ignored'; reason: string }
  | { kind: 'nothing'; group: string }
  | { kind: 'acted'; group: string; actions: Action[] };

/** Host clocks drift; an observation this far in the future is still believed. */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * A host says one of its sessions is idle. Applies the host's policy group to that session and
 * dispatches a guarded action (the host re-checks the session's user before it acts). Stale
 * events, events about unmanaged instances and repeats within the same idle period do nothing.
 */
export async function handleSessionIdle(
  deps: IdleDeps,
  event: SessionIdleEvent
): Promise<IdleResult> {
  const { detail } = event;
  const now = deps.clock().getTime();
  const observedMs = Date.parse(detail.observedAt);
  const maxAgeMs = (deps.maxEventAgeMinutes ?? 15) * 60_000;
  if (now - observedMs > maxAgeMs) {
    return { kind: 'ignored', reason: `stale: observed ${detail.observedAt}` };
  }
  if (observedMs - now > FUTURE_SLACK_MS) {
    return { kind: 'ignored', reason: `observed in the future: ${detail.observedAt}` };
  }

  const ssmDeps = { ssm: deps.ssm, ...(deps.retry ? { retry: deps.retry } : {}) };
  const host = await describeHost(ssmDeps, detail.instanceId, {
    tagKey: deps.managedTag.key,
    tagValue: deps.managedTag.value,
  });
  if (!host.found) return { kind: 'ignored', reason: `unknown instance ${detail.instanceId}` };
  if (!host.managed) return { kind: 'ignored', reason: `${detail.instanceId} is not managed` };
  const group = resolveGroup(
    deps.policy,
    await findHostGroup(ssmDeps, detail.instanceId, deps.groupTagKey, namedGroups(deps.policy))
  );

  const history = await recentActions(deps.ledger, detail.instanceId);
  const plan = planHost({
    group,
    sessions: [
      {
        id: detail.sessionId,
        userName: detail.userName,
        domain: detail.domain ?? null,
        sessionName: null,
        state: detail.state,
        idleMinutes: detail.idleMinutes,
        logonTime: detail.logonTime,
      },
    ],
    observedAt: detail.observedAt,
    utcOffsetMinutes: offsetMinutesOf(detail.observedAt),
    priorNotifies: notifiesOf(history),
    fleetRemaining: Number.POSITIVE_INFINITY,
  });
  if (plan.actions.length === 0) return { kind: 'nothing', group: group.name };
  const sameEvent = (a: Action) =>
    a.trigger.kind === 'idle-event' && a.trigger.eventId === event.id;
  const earlier = plan.actions
    .map((planned) => actedThisIdlePeriod(history, planned, observedMs, sameEvent))
    .find((a) => a !== null);
  if (earlier) {
    return {
      kind: 'ignored',
      reason: `already ${earlier.operation} in this idle period (${earlier.id})`,
    };
  }

  const { actions, retry } = await carryOut(deps, {
    instanceId: detail.instanceId,
    trigger: { kind: 'idle-event', eventId: event.id },
    group,
    planned: plan.actions,
  });
  if (retry) throw new RetryLaterError(`the action for event ${event.id} could not be sent yet`);
  return { kind: 'acted', group: group.name, actions };
}
