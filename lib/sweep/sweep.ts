import type { Action, ActionResult } from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';
import { namesAction, shellsComment, sweepComment } from '../dispatch/comments.js';
import { completeAction, completeFromReading } from '../dispatch/complete.js';
import type { HostTags, SendSettings } from '../dispatch/settings.js';
import { findCommandSentFor, recordFoundDispatch } from '../dispatch/unrecorded.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SweepAllowance } from '../ledger/sweeps.js';
import { PublishError } from '../outcomes/publish.js';
import { DEFAULT_GROUP, namedGroups, type Policy, resolveGroup } from '../policy/schema.js';
import { listsShells } from '../policy/shells.js';
import { CommandNotFoundError, InvocationNotFoundError } from '../ssm/errors.js';
import { listManagedInstances } from '../ssm/instances.js';
import { outcomeOf } from '../ssm/outcome.js';
import { type ListOperation, listParameters } from '../ssm/parameters.js';
import { readInvocation } from '../ssm/read.js';
import { sendInBatches } from '../ssm/send.js';

export interface SweepDeps extends SendSettings, HostTags {
  ledger: Ledger;
  policy: Policy;
  /** Overdue actions looked at per sweep. @default 100 */
  reconcileLimit?: number;
}

export interface SweepResult {
  sweepId: string;
  /** A previous attempt of this very sweep had already asked the hosts: nothing was sent again. */
  repeated: boolean;
  /** Instances asked for their sessions, per policy group. */
  groups: Record<string, string[]>;
  commandIds: string[];
  /** Instances SSM refused (unmanaged, wrong platform…). */
  rejected: string[];
  reconciled: ReconcileResult;
}

export interface ReconcileResult {
  checked: number;
  completed: number;
  stillOpen: number;
  errors: number;
  /** Overdue planned actions for which no command exists: cancelled, nothing was done. */
  notSent: number;
  /** Overdue planned actions whose command had been sent unrecorded: now dispatched. */
  foundSent: number;
  /** Actions an earlier reconcile completed whose outcome it may not have published: again. */
  republished: number;
}

/** Slack on top of a found command's expiry before it is overdue again. */
const EXPIRY_MARGIN_MS = 60_000;

const NOT_SENT: ActionResult = {
  exitCode: null,
  errorCode: 'dispatch:not-sent',
  excerpt: 'no command was ever sent for this action: nothing was done on the host',
};

/**
 * The command an action records is not this action's (its comment names other work): its result
 * says nothing about the action, and the action's own command, if any, is lost to it.
 */
function foreignCommand(commandId: string, comment: string): ActionResult {
  return {
    exitCode: null,
    errorCode: 'ssm:comment-mismatch',
    excerpt: `command ${commandId} is not this action's (its comment is '${comment}'): its outcome is unknown`,
  };
}

/**
 * One sweep per scheduled time: a retried invocation of the same schedule carries the same time
 * and finds its record. Seconds are kept so that schedules more frequent than once a minute (the
 * local runtime's `--sweep-every 10s`) are distinct sweeps.
 */
export function sweepIdOf(scheduledAt: Date): string {
  return `sw-${scheduledAt.toISOString().slice(0, 19)}Z`;
}

/**
 * Lists the managed Windows instances per policy group, sends them `ListSessions` (≤ 50 per
 * command, the group in the comment) and records the sweep; the results arrive as status events.
 * Then resolves dispatched actions that are past their deadline.
 */
export async function runSweep(
  deps: SweepDeps,
  input: { scheduledAt: Date }
): Promise<SweepResult> {
  const started = performance.now();
  const sweepId = sweepIdOf(input.scheduledAt);
  await deps.ledger.recordSweep({ id: sweepId, scheduledAt: input.scheduledAt });

  const groups = await hostsByGroup(deps);
  const total = Object.values(groups).reduce((n, ids) => n + ids.length, 0);
  // Claiming every host at once works as a lock: only the first attempt of a sweep gets them.
  const { granted } =
    total === 0
      ? { granted: 0 }
      : await deps.ledger.claimSweepQuota(sweepId, {
          counter: 'hostsAsked',
          wanted: total,
          max: total,
        });
  const repeated = total > 0 && granted < total;

  const commandIds: string[] = [];
  const rejected: string[] = [];
  if (!repeated) {
    await deps.ledger.recordSweepGroups(
      sweepId,
      Object.fromEntries(Object.entries(groups).map(([group, ids]) => [group, ids.length])),
      allowanceOf(deps.policy, groups)
    );
    for (const [group, instanceIds] of Object.entries(groups)) {
      if (instanceIds.length === 0) continue;
      // Shells only where the group's policy could end one: no listing nobody reads.
      const listings: [ListOperation, string][] = [['ListSessions', sweepComment(sweepId, group)]];
      if (listsShells(resolveGroup(deps.policy, group))) {
        listings.push(['ListShells', shellsComment(sweepId, group)]);
      }
      for (const [operation, comment] of listings) {
        const result = await sendInBatches(
          {
            ssm: deps.ssm,
            documents: deps.documents,
            outputLogGroup: deps.outputLogGroup,
            deliveryTimeoutSeconds: deps.deliveryTimeoutSeconds,
            retry: deps.retry,
          },
          { instanceIds, parameters: listParameters(operation), comment }
        );
        commandIds.push(...result.sent.map((s) => s.commandId));
        for (const refused of result.rejected) {
          // A host SSM refuses counts once, at its session listing.
          if (operation === 'ListSessions') rejected.push(...refused.instanceIds);
          deps.observer.warn(`${operation} refused`, {
            sweepId,
            group,
            instanceIds: refused.instanceIds,
            error: refused.error.message,
          });
        }
      }
    }
    if (rejected.length > 0) await deps.ledger.addToSweep(sweepId, { errors: rejected.length });
  }
  deps.observer.info('sweep started', { sweepId, hosts: total, repeated, commandIds });

  const reconciled = await reconcileOverdue(deps, deps.clock(), deps.reconcileLimit ?? 100);
  // Wall time, not the injected clock: the simulated fleet's clock runs ahead of real time.
  deps.observer.sweepRan?.({
    sweepId,
    hosts: total,
    repeated,
    durationMs: Math.round(performance.now() - started),
  });
  return { sweepId, repeated, groups, commandIds, rejected, reconciled };
}

/**
 * Where the fleet limit cannot be reached (every listing the sweep asks for planning its group's
 * `maxActionsPerHost`, the most sends a listing plans, still fits), each listing gets that many
 * sends without a claim on the sweep item; otherwise none, and every send claims its share.
 */
export function allowanceOf(policy: Policy, groups: Record<string, string[]>): SweepAllowance {
  let listings = 0;
  let perListing = 0;
  for (const [name, ids] of Object.entries(groups)) {
    if (ids.length === 0) continue;
    const group = resolveGroup(policy, name);
    listings += ids.length * (listsShells(group) ? 2 : 1);
    perListing = Math.max(perListing, group.maxActionsPerHost);
  }
  const reserved = listings * perListing;
  return reserved <= policy.fleetMaxActionsPerSweep
    ? { perListing, reserved }
    : { perListing: 0, reserved: 0 };
}

/**
 * DescribeInstanceInformation returns no tags, so each named group is one filtered query; the
 * default group is every managed host that none of them returned (untagged, or tagged with a
 * group the policy does not name).
 */
async function hostsByGroup(deps: SweepDeps): Promise<Record<string, string[]>> {
  const list = (extra?: { key: string; values: string[] }) =>
    listManagedInstances(
      { ssm: deps.ssm, retry: deps.retry },
      {
        tagKey: deps.managedTag.key,
        tagValue: deps.managedTag.value,
        extraTagFilters: extra ? [extra] : undefined,
      }
    );
  const groups: Record<string, string[]> = {};
  const grouped = new Set<string>();
  for (const group of namedGroups(deps.policy)) {
    const ids = (await list({ key: deps.groupTagKey, values: [group] }))
      .map((i) => i.instanceId)
      .filter((id) => !grouped.has(id))
      .sort();
    for (const id of ids) grouped.add(id);
    groups[group] = ids;
  }
  groups[DEFAULT_GROUP] = (await list())
    .map((i) => i.instanceId)
    .filter((id) => !grouped.has(id))
    .sort();
  return groups;
}

/**
 * Status events are best effort, and a sender can die between recording an action and recording
 * its dispatch. Every open action past its deadline is settled here:
 * - `planned`: SSM is asked whether a command for it was ever sent (ListCommands, matched by
 *   comment). None: it ends `cancelled` (`dispatch:not-sent`), nothing was done on the host.
 *   One: it is recorded as dispatched with that command and read back like the others.
 * - `dispatched`: its invocation is read back and completed; one SSM no longer knows is
 *   `failed`; one still running is left for later.
 * An action completed here stays listed until its outcome is published, then leaves the index: a
 * failed put fails the sweep, and its retry (or the next sweep) finds the action and publishes it
 * (`republished`).
 */
export async function reconcileOverdue(
  deps: Pick<SweepDeps, 'ssm' | 'ledger' | 'observer' | 'retry' | 'documents'>,
  now: Date,
  limit: number
): Promise<ReconcileResult> {
  const result: ReconcileResult = {
    checked: 0,
    completed: 0,
    stillOpen: 0,
    errors: 0,
    notSent: 0,
    foundSent: 0,
    republished: 0,
  };
  const page = await deps.ledger.listOverdue(now, { limit });
  const listed = { ...deps, ledger: keepingOverdue(deps.ledger) };
  for (const overdue of page.items) {
    result.checked++;
    try {
      const action = await reconcileOne(listed, overdue, now, result);
      if (isTerminal(action.status)) await deps.ledger.unlistOverdue(action.id);
    } catch (error) {
      // Not swallowed: the sweep fails and Lambda retries it; the retry (or the next sweep) finds
      // the action still listed and publishes it.
      if (error instanceof PublishError) throw error;
      result.errors++;
      deps.observer.warn('overdue action could not be read', {
        actionId: overdue.id,
        instanceId: overdue.instanceId,
        status: overdue.status,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}

/** The ledger whose completions leave the action on the overdue index (see `unlistOverdue`). */
function keepingOverdue(ledger: SweepDeps['ledger']): SweepDeps['ledger'] {
  return {
    ...ledger,
    complete: (id, status, actionResult, options) =>
      ledger.complete(id, status, actionResult, { ...options, keepOverdue: true }),
  };
}

/** One overdue action settled as far as it can be now; returns it as it is then. */
async function reconcileOne(
  deps: Pick<SweepDeps, 'ssm' | 'ledger' | 'observer' | 'retry' | 'documents'>,
  overdue: Action,
  now: Date,
  result: ReconcileResult
): Promise<Action> {
  if (isTerminal(overdue.status)) {
    // Completed by a reconcile whose put failed or that died before it.
    await deps.ledger.publishTerminal(overdue);
    result.republished++;
    return overdue;
  }
  try {
    const action =
      overdue.status === 'planned' ? await settlePlanned(deps, overdue, now, result) : overdue;
    if (action.status !== 'dispatched' || !action.commandId) return action;
    const reading = await readInvocation(
      { ssm: deps.ssm, retry: deps.retry },
      { commandId: action.commandId, instanceId: action.instanceId, missingRetryMs: 0 }
    );
    if (!namesAction(reading.comment, action.id)) {
      const failed = foreignCommand(action.commandId, reading.comment);
      return counted(result, await completeAction(deps, action, 'failed', failed));
    }
    const outcome = outcomeOf(reading, action.operation);
    if (outcome.status === 'pending') {
      result.stillOpen++;
      return action;
    }
    return counted(result, await completeFromReading(deps, action, outcome, reading));
  } catch (error) {
    if (!(error instanceof InvocationNotFoundError || error instanceof CommandNotFoundError)) {
      throw error;
    }
    const done = await completeAction(deps, overdue, 'failed', {
      exitCode: null,
      errorCode: 'ssm:InvocationNotFound',
      excerpt: 'SSM no longer knows this command; its outcome is unknown',
    });
    return counted(result, done);
  }
}

function counted(result: ReconcileResult, done: Action): Action {
  result.completed++;
  return done;
}

/**
 * A planned action past its planned deadline: its sender is gone, and senders stop sending
 * before that deadline, so what SSM holds now is all there will ever be. Both ledger writes are
 * conditional on `planned`: a sender that recorded its dispatch meanwhile wins.
 */
async function settlePlanned(
  deps: Pick<SweepDeps, 'ssm' | 'ledger' | 'observer' | 'retry' | 'documents'>,
  action: Action,
  now: Date,
  result: ReconcileResult
): Promise<Action> {
  const sent = await findCommandSentFor(deps, action);
  if (sent === null) {
    const done = await completeAction(deps, action, 'cancelled', NOT_SENT, { from: ['planned'] });
    if (done.status === 'cancelled' && done.result?.errorCode === NOT_SENT.errorCode) {
      result.notSent++;
      result.completed++;
    }
    return done;
  }
  const dispatched = await recordFoundDispatch(deps, action, {
    commandId: sent.commandId,
    sentAt: sent.requestedAt,
    deadline: new Date((sent.expiresAfter ?? now).getTime() + EXPIRY_MARGIN_MS),
    by: 'reconcile',
  });
  if (dispatched.commandId === sent.commandId) result.foundSent++;
  return dispatched;
}
