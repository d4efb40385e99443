import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Action, ActionResult, ActionStatus } from '../../../lib/actions/model.js';
import { ACTION_STATUSES } from '../../../lib/actions/model.js';
import {
  canTransition,
  TERMINAL_STATUSES,
  type TerminalStatus,
  TRANSITIONS,
} from '../../../lib/actions/transitions.js';
import {
  ActionNotFoundError,
  InvalidLedgerInputError,
  StaleTransitionError,
} from '../../../lib/ledger/errors.js';
import { apiLogoff, type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await ledgerFixture('transitions');
});

const T0 = Date.parse('2026-11-21T20:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ok: ActionResult = { exitCode: 0, errorCode: null, excerpt: 'logged off' };

let commandSerial = 0;
function nextCommandId() {
  commandSerial += 1;
  return `cmd-${commandSerial}`;
}

/** Applies one move the way its caller would: the dispatcher or a status event. */
function move(action: Pick<Action, 'id' | 'instanceId'>, to: ActionStatus, when: Date) {
  return to === 'dispatched'
    ? fx.ledger.markDispatched(action, {
        commandId: nextCommandId(),
        deadline: new Date(when.getTime() + 600_000),
        at: when,
      })
    : fx.ledger.complete(action.id, to as TerminalStatus, ok, { at: when });
}

/** A fresh action brought to `status` by legal moves. */
async function reach(status: ActionStatus): Promise<Action> {
  const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });
  if (status === 'planned') return action;
  const dispatched = await move(action, 'dispatched', at(1));
  if (status === 'dispatched') return dispatched;
  return move(action, status, at(2));
}

async function rawItem(id: string) {
  const out = await fx.client.send(
    new GetCommand({
      TableName: fx.tableName,
      Key: { pk: `ACTION#${id}`, sk: 'ACTION' },
      ConsistentRead: true,
    })
  );
  return out.Item;
}

const legal = ACTION_STATUSES.flatMap((from) =>
  (TRANSITIONS[from] as readonly ActionStatus[]).map((to) => ({ from, to }))
);
const illegal = ACTION_STATUSES.flatMap((from) =>
  ACTION_STATUSES.filter((to) => !canTransition(from, to)).map((to) => ({ from, to }))
);

describe('status transitions', () => {
  it.each(legal)('moves $from → $to and stamps the move', async ({ from, to }) => {
    const action = await reach(from);

    const moved = await move(action, to, at(30));

    expect(moved.status).toBe(to);
    expect(moved.timestamps[to]).toBe(at(30).toISOString());
    expect(moved.timestamps.planned).toBe(action.timestamps.planned);
    expect(await fx.ledger.getAction(action.id)).toEqual(moved);
  });

  it.each(illegal)('refuses $from → $to and changes nothing', async ({ from, to }) => {
    const action = await reach(from);
    const before = await rawItem(action.id);

    const error = await move(action, to, at(40)).catch((e: unknown) => e);

    if (to === 'planned') {
      expect(error).toBeInstanceOf(InvalidLedgerInputError);
    } else {
      expect(error).toBeInstanceOf(StaleTransitionError);
      expect((error as StaleTransitionError).current.status).toBe(from);
      expect((error as StaleTransitionError).to).toBe(to);
    }
    expect(await rawItem(action.id)).toEqual(before);
  });

  it('records dispatch details in the same write as the status', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });

    const dispatched = await fx.ledger.markDispatched(action, {
      commandId: 'c0ffee00-1111-2222-3333-444455556666',
      deadline: at(720),
      at: at(5),
    });

    expect(dispatched).toMatchObject({
      status: 'dispatched',
      commandId: 'c0ffee00-1111-2222-3333-444455556666',
      deadline: at(720).toISOString(),
      attempts: 1,
      timestamps: { planned: at(0).toISOString(), dispatched: at(5).toISOString() },
    });
  });

  it('refuses a dispatch that names another host and changes nothing', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff());
    const before = await rawItem(action.id);

    const error = await fx.ledger
      .markDispatched(
        { id: action.id, instanceId: 'i-0fffffffffffffff0' },
        {
          commandId: 'cmd-x',
          deadline: at(600),
        }
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidLedgerInputError);
    expect(await rawItem(action.id)).toEqual(before);
  });

  it('reports moves of unknown actions as not found', async () => {
    const ghost = { id: 'act_aaaaaaaaaaaaaaaaaaaaaaaaaa', instanceId: 'i-0123456789abcdef0' };

    await expect(
      fx.ledger.markDispatched(ghost, { commandId: 'cmd-1', deadline: at(600) })
    ).rejects.toBeInstanceOf(ActionNotFoundError);
    await expect(fx.ledger.complete(ghost.id, 'failed', null)).rejects.toBeInstanceOf(
      ActionNotFoundError
    );
    await expect(fx.ledger.getAction(ghost.id)).resolves.toBeNull();
    expect(await rawItem(ghost.id)).toBeUndefined();
  });

  it('rejects malformed ids, command ids and results before writing', async () => {
    const action = await reach('dispatched');
    const before = await rawItem(action.id);

    await expect(fx.ledger.getAction('act_x')).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(fx.ledger.complete('nope', 'failed', null)).rejects.toBeInstanceOf(
      InvalidLedgerInputError
    );
    await expect(
      fx.ledger.complete(action.id, 'failed', { exitCode: 1.5, errorCode: null, excerpt: '' })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(
      fx.ledger.markDispatched(action, { commandId: 'x y', deadline: at(1) })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(
      fx.ledger.markDispatched(action, { commandId: 'cmd-ok', deadline: new Date('nope') })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(
      fx.ledger.complete(action.id, 'failed', null, { at: new Date(Number.NaN) })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    expect(await rawItem(action.id)).toEqual(before);
  });

  it('keeps only the first few hundred characters of host output', async () => {
    const action = await reach('dispatched');

    const done = await fx.ledger.complete(action.id, 'failed', {
      exitCode: 1,
      errorCode: 'win32:5',
      excerpt: 'x'.repeat(10_000),
    });

    expect(done.result?.excerpt).toHaveLength(500);
  });
});

describe('status events delivered twice, out of order and late', () => {
  it('ends in the first terminal status with the first delivery’s timestamps', async () => {
    const action = await reach('planned');
    const success = () => fx.ledger.complete(action.id, 'succeeded', ok, { at: at(20) });

    // The Success event overtakes the dispatcher's own write: not terminal yet, so it is retried.
    const early = await success().catch((e: unknown) => e);
    expect(early).toBeInstanceOf(StaleTransitionError);
    expect((early as StaleTransitionError).alreadyTerminal).toBe(false);

    await move(action, 'dispatched', at(10));
    const done = await success();
    const duplicate = await fx.ledger
      .complete(action.id, 'succeeded', ok, { at: at(25) })
      .catch((e: unknown) => e);
    const lateReconcile = await fx.ledger
      .complete(action.id, 'timed_out', null, { at: at(900) })
      .catch((e: unknown) => e);
    const lateDispatch = await move(action, 'dispatched', at(30)).catch((e: unknown) => e);

    for (const refused of [duplicate, lateReconcile, lateDispatch]) {
      expect(refused).toBeInstanceOf(StaleTransitionError);
      expect((refused as StaleTransitionError).alreadyTerminal).toBe(true);
    }
    const final = await fx.ledger.getAction(action.id);
    expect(final).toEqual(done);
    expect(final).toMatchObject({
      status: 'succeeded',
      result: ok,
      attempts: 1,
      timestamps: {
        planned: at(0).toISOString(),
        dispatched: at(10).toISOString(),
        succeeded: at(20).toISOString(),
      },
    });
  });

  it('grants a resume lease to exactly one of concurrent callers, again once it expires', async () => {
    const planned = await reach('planned');

    const grants = await Promise.all(
      Array.from({ length: 6 }, () =>
        fx.ledger.leaseResume(planned.id, { leaseSeconds: 90, at: at(40) })
      )
    );

    expect(grants.filter(Boolean)).toHaveLength(1);
    expect(await fx.ledger.leaseResume(planned.id, { leaseSeconds: 90, at: at(129) })).toBe(false);
    expect(await fx.ledger.leaseResume(planned.id, { leaseSeconds: 90, at: at(131) })).toBe(true);
    expect(await fx.ledger.getAction(planned.id)).toEqual(planned);
    const dispatched = await reach('dispatched');
    expect(await fx.ledger.leaseResume(dispatched.id, { leaseSeconds: 90, at: at(400) })).toBe(
      false
    );
  });

  it('applies exactly one of many concurrent terminal deliveries', async () => {
    const action = await reach('dispatched');
    const statuses: TerminalStatus[] = ['succeeded', 'failed', 'succeeded', 'timed_out'];

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        fx.ledger.complete(action.id, statuses[i % statuses.length] ?? 'failed', ok, {
          at: at(100 + i),
        })
      )
    );

    const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(applied).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(StaleTransitionError);
        expect((o.reason as StaleTransitionError).alreadyTerminal).toBe(true);
      }
    }
    expect(await fx.ledger.getAction(action.id)).toEqual(applied[0]);
  });

  it('agrees with the state machine for any order of deliveries', async () => {
    const delivery = fc.record({
      to: fc.constantFrom<ActionStatus>('dispatched', ...TERMINAL_STATUSES),
      second: fc.integer({ min: 1, max: 3600 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(delivery, { minLength: 1, maxLength: 8 }), async (deliveries) => {
        const action = await reach('planned');
        let status: ActionStatus = 'planned';
        const stamps: Partial<Record<ActionStatus, string>> = { planned: at(0).toISOString() };

        for (const d of deliveries) {
          const outcome = await move(action, d.to, at(d.second)).then(
            () => 'applied',
            (e: unknown) => (e instanceof StaleTransitionError ? 'refused' : e)
          );
          if (canTransition(status, d.to)) {
            expect(outcome).toBe('applied');
            status = d.to;
            stamps[d.to] = at(d.second).toISOString();
          } else {
            expect(outcome).toBe('refused');
          }
        }

        const final = await fx.ledger.getAction(action.id);
        expect(final?.status).toBe(status);
        expect(final?.timestamps).toEqual(stamps);
      }),
      { numRuns: 40 }
    );
  });
});

describe('visibility', () => {
  it('never shows a partial action while writes are in flight', async () => {
    const requests = Array.from({ length: 20 }, () =>
      apiLogoff({ instanceId: 'i-0bbbbbbbbbbbbbbb1' })
    );
    // A partial item would fail to parse in the ledger and reject the readers.
    const seen: Action[] = [];
    const writers = requests.map(async (request) => {
      const { action } = await fx.ledger.createAction(request);
      const dispatched = await move(action, 'dispatched', at(1));
      await fx.ledger.complete(dispatched.id, 'succeeded', ok, { at: at(2) });
    });
    const readers = Array.from({ length: 10 }, async () => {
      for (let round = 0; round < 10; round++) {
        const page = await fx.ledger.listByHost('i-0bbbbbbbbbbbbbbb1', { limit: 100 });
        seen.push(...page.items);
      }
    });

    await Promise.all([...writers, ...readers]);

    for (const action of seen) {
      expect(action.timestamps[action.status]).toBeDefined();
      if (action.status !== 'planned') {
        expect(action.commandId).not.toBeNull();
        expect(action.deadline).not.toBeNull();
      }
      if (action.status === 'succeeded') expect(action.result).toEqual(ok);
    }
    expect(seen.length).toBeGreaterThan(0);
  });
});
