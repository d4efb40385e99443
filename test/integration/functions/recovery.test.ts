import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action, NewAction } from '../../../lib/actions/model.js';
import { actionComment } from '../../../lib/dispatch/comments.js';
import {
  type DispatchDeps,
  dispatchAction,
  overdueAfterSeconds,
} from '../../../lib/dispatch/dispatch.js';
import { StaleTransitionError } from '../../../lib/ledger/errors.js';
import type { ReconcileResult } from '../../../lib/sweep/sweep.js';
import type { SsmEventBridgeEvent } from '../../../local/ssm/types.js';
import { type Harness, sqs, startHarness } from './harness.js';

/**
 * A sender (command-status, idle-event) can die between recording an action and recording its
 * dispatch: before SendCommand (nothing was sent) or after it (the command runs, the ledger says
 * `planned`). Either way the action must reach the terminal status that matches what happened on
 * the host, and no second command may be sent for it.
 */

const policy = {
  version: 1,
  default: { disconnectIdleMinutes: 60, exclude: { users: ['svc_*'] } },
};

/** Past the planned deadline (600 s delivery + 120 s execution + 60 s) of an action made now. */
const PAST_GRACE_MINUTES = 14;

describe('actions whose sender died', () => {
  let h: Harness;
  let host: string;
  let deps: DispatchDeps;
  /** Every status event SSM emitted, delivered to the queue or not. */
  let emitted: SsmEventBridgeEvent[];

  beforeEach(async () => {
    // SSM stamps commands with the real clock: the simulated one starts there and only moves on.
    h = await startHarness({ policy, fleet: { hosts: 1, start: new Date() } });
    host = h.instance(0);
    deps = { ...h.runtime.send, ledger: h.runtime.ledger };
    emitted = [];
    h.ssm.subscribe((event) => {
      emitted.push(event);
    });
  });
  afterEach(() => h.close());

  /** An action for a fresh, barely idle session (no policy acts on it), recorded as a sender does. */
  async function recordAction(user: string): Promise<{ action: Action; sessionId: number }> {
    const sessionId = h.fleet.addSession(host, { user: `CORP\\${user}`, idleMinutes: 5 });
    const request: NewAction = {
      operation: 'disconnect',
      instanceId: host,
      target: { kind: 'session', sessionId, expectedUser: `CORP\\${user}`, logonTime: null },
      trigger: { kind: 'schedule', sweepId: `sw-crash-${user}` },
      reason: 'ticket-free test action',
      policy: 'default',
      dryRun: false,
    };
    const { action } = await h.runtime.ledger.createAction(request, {
      plannedGraceSeconds: overdueAfterSeconds(deps),
    });
    return { action, sessionId };
  }

  /** The sender sends, then dies before `markDispatched` (a Lambda timeout, a crash). */
  async function sendAndDie(action: Action): Promise<string> {
    const dying: DispatchDeps = {
      ...deps,
      ledger: {
        ...deps.ledger,
        markDispatched: async () => {
          throw new Error('Task timed out after 30.00 seconds');
        },
      },
    };
    await expect(dispatchAction(dying, action)).rejects.toThrow('Task timed out');
    const [command, ...more] = commandsFor(action);
    expect(more).toEqual([]);
    if (!command) throw new Error('the dying sender sent nothing');
    return command.commandId;
  }

  function commandsFor(action: Pick<Action, 'id'>) {
    return h.ssm.commands().filter((c) => c.comment === actionComment(action.id));
  }

  async function sweepLater(minutes: number): Promise<ReconcileResult> {
    h.fleet.advance(minutes);
    const result = (await h.sweepAt(h.fleet.now())) as { reconciled: ReconcileResult };
    await h.settle();
    return result.reconciled;
  }

  const stateOf = (sessionId: number) =>
    h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state;

  it('cancels an action never sent once past its planned deadline, acting on nothing', async () => {
    const { action, sessionId } = await recordAction('never.sent');

    const early = await sweepLater(1);
    expect(early.notSent).toBe(0);
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('planned');

    const late = await sweepLater(PAST_GRACE_MINUTES);

    expect(late).toMatchObject({ notSent: 1, foundSent: 0, errors: 0 });
    const done = await h.runtime.ledger.getAction(action.id);
    expect(done).toMatchObject({
      status: 'cancelled',
      commandId: null,
      result: { exitCode: null, errorCode: 'dispatch:not-sent' },
    });
    expect(done?.result?.excerpt).toContain('nothing was done on the host');
    expect(commandsFor(action)).toEqual([]);
    expect(stateOf(sessionId)).toBe('active');

    const after = await sweepLater(PAST_GRACE_MINUTES);
    expect(after.checked).toBe(0);
    expect(await h.runtime.ledger.getAction(action.id)).toEqual(done);
  });

  it('completes an action sent but not recorded from its own status event', async () => {
    const { action, sessionId } = await recordAction('event.saves');

    const commandId = await sendAndDie(action);
    await h.settle();

    const done = await h.runtime.ledger.getAction(action.id);
    expect(done).toMatchObject({ status: 'succeeded', commandId, attempts: 1 });
    expect(done?.timestamps.dispatched).toBeDefined();
    expect(stateOf(sessionId)).toBe('disconnected');
    expect(h.deadLetters).toEqual([]);
    expect(commandsFor(action)).toHaveLength(1);
  });

  it('completes an action sent but not recorded at the next sweep when its event was lost', async () => {
    h.dropActionEvents = true;
    const { action, sessionId } = await recordAction('event.lost');
    const commandId = await sendAndDie(action);
    await h.settle();
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('planned');

    const reconciled = await sweepLater(PAST_GRACE_MINUTES);

    expect(reconciled).toMatchObject({ foundSent: 1, notSent: 0, errors: 0 });
    const done = await h.runtime.ledger.getAction(action.id);
    const [sent] = commandsFor(action);
    expect(done).toMatchObject({ status: 'succeeded', commandId, attempts: 1 });
    expect(done?.timestamps.dispatched).toBe(sent?.requestedAt.toISOString());
    expect(stateOf(sessionId)).toBe('disconnected');
    expect(commandsFor(action)).toHaveLength(1);
  });

  it('does not send again when the event that planned the action comes back', async () => {
    h.dropActionEvents = true;
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\redelivered', idleMinutes: 90 });
    const ledger = h.runtime.ledger;
    const markDispatched = ledger.markDispatched;
    let calls = 0;
    // The first attempt dies right after its SendCommand; SQS delivers the ListSessions event again.
    ledger.markDispatched = async (action, input) => {
      const stored = await ledger.getAction(action.id);
      if (stored?.target.kind === 'session' && stored.target.sessionId === sessionId) {
        if (calls++ === 0) throw new Error('Task timed out after 30.00 seconds');
      }
      return markDispatched(action, input);
    };

    await h.sweepAt(h.fleet.now());
    await h.settle();

    const mine = (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.sessionId === sessionId
    );
    expect(mine).toHaveLength(1);
    const [action] = mine;
    if (!action) throw new Error('no action planned');
    const sent = commandsFor(action);
    // The redelivery found the command and recorded it. On a loaded machine the listing's event
    // may come a third time before this line; that one finds the action dispatched already.
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(sent).toHaveLength(1);
    expect(action).toMatchObject({ status: 'dispatched', commandId: sent[0]?.commandId });
    expect(h.deadLetters).toEqual([]);

    h.dropActionEvents = false;
    await sweepLater(PAST_GRACE_MINUTES);
    expect((await ledger.getAction(action.id))?.status).toBe('succeeded');
    expect(commandsFor(action)).toHaveLength(1);
  });

  it('records one dispatch when the status event races the sender’s own record', async () => {
    h.dropActionEvents = true;
    const { action } = await recordAction('race');
    const commandId = await sendAndDie(action);
    await h.settle();
    const event = emitted.find(
      (e) =>
        e['detail-type'] === 'EC2 Command Invocation Status-change Notification' &&
        e.detail['command-id'] === commandId &&
        e.detail.status === 'Success'
    );
    if (!event) throw new Error('no Success event for the command');

    const [sender, status] = await Promise.allSettled([
      h.runtime.ledger.markDispatched(action, {
        commandId,
        deadline: new Date(h.fleet.now().getTime() + 780_000),
      }),
      h.status(sqs([JSON.stringify(event)])),
    ]);

    if (sender.status === 'rejected') expect(sender.reason).toBeInstanceOf(StaleTransitionError);
    expect(status).toMatchObject({ status: 'fulfilled', value: { batchItemFailures: [] } });
    expect(await h.runtime.ledger.getAction(action.id)).toMatchObject({
      status: 'succeeded',
      commandId,
      attempts: 1,
    });
    expect(commandsFor(action)).toHaveLength(1);
  });

  it('keeps a finished action as it is through duplicated events and later sweeps', async () => {
    const { action } = await recordAction('finished');
    await sendAndDie(action);
    await h.settle();
    const done = await h.runtime.ledger.getAction(action.id);
    expect(done?.status).toBe('succeeded');
    const events = emitted
      .filter((e) => e.detail['command-id'] === done?.commandId)
      .map((e) => JSON.stringify(e));

    const response = await h.status(sqs([...events, ...events]));
    const reconciled = await sweepLater(PAST_GRACE_MINUTES);

    expect(response.batchItemFailures).toEqual([]);
    expect(reconciled.checked).toBe(0);
    expect(await h.runtime.ledger.getAction(action.id)).toEqual(done);
    expect(commandsFor(action)).toHaveLength(1);
  });

  it('never completes an action from a command whose comment names something else', async () => {
    // A ledger that outlived its SSM (a restarted local runtime) names commands issued again for
    // other work: here, the sweep's ListSessions of the same host.
    h.dropActionEvents = true;
    const { action, sessionId } = await recordAction('foreign.command');
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const listing = h.ssm
      .commands()
      .find((c) => c.parameters.Operation?.[0] === 'ListSessions' && c.instanceIds.includes(host));
    if (!listing) throw new Error('the sweep listed nothing');
    await h.runtime.ledger.markDispatched(action, {
      commandId: listing.commandId,
      deadline: new Date(h.fleet.now().getTime() + 60_000),
    });
    h.dropActionEvents = false;
    // command-status: the listing's own event again, now that an action names its command.
    const events = emitted
      .filter((e) => e.detail['command-id'] === listing.commandId)
      .map((e) => JSON.stringify(e));
    expect((await h.status(sqs(events))).batchItemFailures).toEqual([]);
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('dispatched');

    const reconciled = await sweepLater(PAST_GRACE_MINUTES);

    expect(reconciled.errors).toBe(0);
    const done = await h.runtime.ledger.getAction(action.id);
    expect(done).toMatchObject({
      status: 'failed',
      commandId: listing.commandId,
      result: { exitCode: null, errorCode: 'ssm:comment-mismatch' },
    });
    expect(done?.result?.excerpt).toContain(listing.comment);
    expect(stateOf(sessionId)).toBe('active');
  });

  it('stops sending a planned action near its planned deadline and leaves it to reconcile', async () => {
    const { action, sessionId } = await recordAction('too.late');
    h.fleet.advance(PAST_GRACE_MINUTES - 1);

    const attempt = await dispatchAction(deps, action);

    expect(attempt).toEqual({ action, retry: false, failure: null });
    expect(commandsFor(action)).toEqual([]);
    const reconciled = await sweepLater(1);
    expect(reconciled.notSent).toBe(1);
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('cancelled');
    expect(stateOf(sessionId)).toBe('active');
  });
});
