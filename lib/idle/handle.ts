import { idleCheckComment, userTagOf } from '../dispatch/comments.js';
import { RetryLaterError } from '../dispatch/errors.js';
import { notifiesOf, recentActions, recordedExclusion } from '../dispatch/history.js';
import type { HostTags, SendSettings } from '../dispatch/settings.js';
import type { Ledger } from '../ledger/ledger.js';
import { planHost } from '../policy/plan.js';
import { namedGroups, type Policy, resolveGroup } from '../policy/schema.js';
import { describeHost, findHostGroup } from '../ssm/instances.js';
import { outcomeOfSendError } from '../ssm/outcome.js';
import { listParameters } from '../ssm/parameters.js';
import { sendOperation } from '../ssm/send.js';
import { offsetMinutesOf, type SessionIdleEvent } from './schema.js';

export interface IdleDeps extends SendSettings, HostTags {
  ledger: Pick<Ledger, 'listByHost' | 'claimQuota'>;
  policy: Policy;
  /** An event observed longer ago than this describes a session that has moved on. @default 15 */
  maxEventAgeMinutes?: number;
  /**
   * Idle checks (`ListSessions`) events may make one host run in each fixed window; anyone who
   * may put events can make a managed host list its sessions. The actions that follow share the
   * policy's per-host and fleet budgets (`claimIdleBudget`).
   */
  checkLimit: CheckLimit;
}

export interface CheckLimit {
  perHost: number;
  windowMinutes: number;
}

export type IdleResult =
  | { kind: 'ignored'; reason: string }
  /** Even taken at its word the event asks for nothing under the host's policy group. */
  | { kind: 'nothing'; group: string }
  /** The host was asked for its sessions; `command-status` decides from its answer. */
  | { kind: 'checking'; group: string; commandId: string };

/** Host clocks drift; an observation this far in the future is still believed. */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * A host says one of its sessions is idle. Anyone allowed to put events on the bus can say so, and
 * the event may be minutes old, so nothing in it decides an action: a valid event about a managed
 * host whose claim would call for an action makes session-janitor ask that host for its sessions
 * (`ListSessions`, with the event id, the host's policy group, the session and its user in the
 * Comment). `command-status` then plans from the host's own answer, for that session only
 * (`lib/idle/check.ts`). No waiting here (this function may not read invocations): the
 * answer arrives as a status event, like a sweep's.
 */
export async function handleSessionIdle(
  deps: IdleDeps,
  event: SessionIdleEvent
): Promise<IdleResult> {
  const { detail } = event;
  const eventId = event.id.toLowerCase();
  const now = deps.clock().getTime();
  const observedMs = Date.parse(detail.observedAt);
  const maxAgeMs = (deps.maxEventAgeMinutes ?? 15) * 60_000;
  if (now - observedMs > maxAgeMs) {
    return { kind: 'ignored', reason: `stale: observed ${detail.observedAt}` };
  }
  if (observedMs - now > FUTURE_SLACK_MS) {
    return { kind: 'ignored', reason: `observed in the future: ${detail.observedAt}` };
  }

  const ssmDeps = { ssm: deps.ssm, retry: deps.retry };
  const host = await describeHost(ssmDeps, detail.instanceId, {
    tagKey: deps.managedTag.key,
    tagValue: deps.managedTag.value,
  });
  if (!host.found) return { kind: 'ignored', reason: `unknown instance ${detail.instanceId}` };
  if (!host.managed) return { kind: 'ignored', reason: `${detail.instanceId} is not managed` };
  // A command to a host SSM cannot reach would only wait for its delivery timeout; the sweep
  // looks at the host again once it is back.
  if (host.pingStatus !== 'Online') {
    return { kind: 'ignored', reason: `${detail.instanceId} is ${host.pingStatus} to SSM` };
  }
  const group = resolveGroup(
    deps.policy,
    await findHostGroup(ssmDeps, detail.instanceId, deps.groupTagKey, namedGroups(deps.policy))
  );

  // A redelivered event whose check already led to an action needs no second look.
  const history = await recentActions(deps.ledger, detail.instanceId);
  const handled = history.find(
    (a) => a.trigger.kind === 'idle-event' && a.trigger.eventId === eventId
  );
  if (handled) {
    return { kind: 'ignored', reason: `event already handled (${handled.id} ${handled.status})` };
  }

  // The event can only narrow what is done: one that asks for nothing even taken at its word is
  // not worth a command to the host (hosts send one per session crossing their idle threshold).
  const hinted = planHost({
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
        // Taken at its word, a disconnected session has been so at most as long as it was idle
        // when observed, and since: a watcher's event is observed at the disconnect (idle 0).
        disconnected: {
          minutes: detail.idleMinutes + Math.max(0, Math.floor((now - observedMs) / 60_000)),
          since: new Date(observedMs - detail.idleMinutes * 60_000)
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          source: 'idle-bound',
        },
      },
    ],
    observedAt: detail.observedAt,
    utcOffsetMinutes: offsetMinutesOf(detail.observedAt),
    priorNotifies: notifiesOf(history),
    now: new Date(now).toISOString(),
    fleetRemaining: Number.POSITIVE_INFINITY,
  });
  if (hinted.actions.length === 0) return { kind: 'nothing', group: group.name };
  // An excluded session is recorded once per logon: events naming it again ask for nothing new.
  if (hinted.actions.every((a) => recordedExclusion(history, a) !== null)) {
    return { kind: 'nothing', group: group.name };
  }
  // Anyone who may put events can make the host run ListSessions: a few per host per window;
  // the sweep and the next window's events see whatever the rest were about.
  const { perHost, windowMinutes } = deps.checkLimit;
  const checks = await deps.ledger.claimQuota({
    scope: `idle-check:${detail.instanceId}`,
    wanted: 1,
    max: perHost,
    windowMinutes,
    at: new Date(now),
  });
  if (checks === 0) {
    return {
      kind: 'ignored',
      reason: `${detail.instanceId} reached its limit of ${perHost} idle checks in ${windowMinutes} min`,
    };
  }

  try {
    const { commandId } = await sendOperation(deps, {
      instanceIds: [detail.instanceId],
      parameters: listParameters('ListSessions'),
      comment: idleCheckComment({
        eventId,
        group: group.name,
        sessionId: detail.sessionId,
        userTag: userTagOf(detail.userName),
      }),
    });
    return { kind: 'checking', group: group.name, commandId };
  } catch (error) {
    const outcome = outcomeOfSendError(error);
    if (outcome.status === 'retry') {
      throw new RetryLaterError(`the host of event ${event.id} could not be asked yet`, {
        cause: error,
      });
    }
    const { errorCode, excerpt } = outcome.result;
    return { kind: 'ignored', reason: `ListSessions refused: ${errorCode ?? ''} ${excerpt}` };
  }
}
