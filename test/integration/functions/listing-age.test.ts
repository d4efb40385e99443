import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { parseComment } from '../../../lib/dispatch/comments.js';
import { type Harness, sqs, startHarness } from './harness.js';

/**
 * A listing is a picture of a host's sessions at one moment; past the staleness bound (15 min) the
 * users may have come back, and nothing is sent from it. The bound holds at the send, not only
 * when the status event is read: between the two the function reads its history, records the
 * action and claims its budget (DynamoDB and SSM calls that retry with backoff), and may run up to
 * its timeout.
 */

const policy = { version: 1, default: { disconnectIdleMinutes: 30 } };

describe('a listing that grows stale between the plan and the send', () => {
  let h: Harness;
  let host: string;

  beforeEach(async () => {
    h = await startHarness({ policy, fleet: { hosts: 1 }, queue: false });
    host = h.instance(0);
  });
  afterEach(() => h.close());

  /** Commands that act on `user`'s session. */
  const actionCommands = (user: string) =>
    h.ssm
      .commands()
      .filter(
        (c) =>
          parseComment(c.comment)?.kind === 'action' &&
          c.parameters.ExpectedUser?.[0]?.endsWith(user)
      );
  const stateOf = (sessionId: number) =>
    h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state;

  /** Hands every status event over, and those of the commands that follow, until none is left. */
  async function deliverAll(): Promise<void> {
    await h.settle();
    while (h.delivered.length > 0) {
      const response = await h.status(sqs(h.delivered.splice(0)));
      expect(response.batchItemFailures).toEqual([]);
      await h.settle();
    }
  }

  /** The sweep's listing, read `minutes` later, while recording its first action takes `slowMinutes`. */
  async function planLate(user: string, minutes: number, slowMinutes: number): Promise<Action[]> {
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const listings = [...h.delivered];
    h.delivered.length = 0;
    h.fleet.advance(minutes);
    const createAction = h.runtime.ledger.createAction;
    let slow = slowMinutes;
    h.runtime.ledger.createAction = async (...args) => {
      const created = await createAction(...args);
      h.fleet.advance(slow);
      slow = 0;
      return created;
    };
    try {
      const response = await h.status(sqs(listings));
      expect(response.batchItemFailures).toEqual([]);
    } finally {
      h.runtime.ledger.createAction = createAction;
    }
    await deliverAll();
    return (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith(user)
    );
  }

  it('sends nothing once the listing is older than the bound at the send, and ends the action', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\late.plan', idleMinutes: 45 });

    const actions = await planLate('late.plan', 14, 2);

    expect(actionCommands('late.plan')).toEqual([]);
    expect(actions).toEqual([
      expect.objectContaining({
        operation: 'disconnect',
        status: 'skipped',
        target: expect.objectContaining({ sessionId }),
        result: expect.objectContaining({ errorCode: 'stale-listing' }),
      }),
    ]);
    expect(stateOf(sessionId)).toBe('active');

    // The next sweep lists the host afresh and acts on what it sees now.
    await h.sweepAt(h.fleet.now());
    await deliverAll();
    expect(actionCommands('late.plan')).toHaveLength(1);
    expect(stateOf(sessionId)).toBe('disconnected');
  });

  it('sends as before when the listing is still within the bound at the send', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\in.time', idleMinutes: 45 });

    const actions = await planLate('in.time', 10, 2);

    expect(actionCommands('in.time')).toHaveLength(1);
    expect(actions).toEqual([
      expect.objectContaining({
        status: 'succeeded',
        target: expect.objectContaining({ sessionId }),
      }),
    ]);
    expect(stateOf(sessionId)).toBe('disconnected');
  });

  it('plans nothing from a listing already past the bound when read, and counts the host as an error of its sweep', async () => {
    h.fleet.addSession(host, { user: 'CORP\\too.late', idleMinutes: 45 });
    const { sweepId } = (await h.sweepAt(h.fleet.now())) as { sweepId: string };
    await h.settle();
    const listings = h.delivered.splice(0);
    h.fleet.advance(20);

    const response = await h.status(sqs([...listings, ...listings]));

    expect(response.batchItemFailures).toEqual([]);
    expect(actionCommands('too.late')).toEqual([]);
    expect(await h.actionsOf(host)).toEqual([]);
    // Seen neither as sessions nor as nothing: the sweep's record says the host did not count,
    // once however often its status event came.
    expect((await h.runtime.ledger.getSweep(sweepId))?.counters).toMatchObject({
      errors: 1,
      sessionsSeen: 0,
    });
  });
});
