import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActionResult } from '../../../lib/actions/model.js';
import { InvalidLedgerInputError, StaleTransitionError } from '../../../lib/ledger/errors.js';
import { createLedger, DEFAULT_PLANNED_GRACE_SECONDS } from '../../../lib/ledger/ledger.js';
import { apiLogoff, type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await ledgerFixture('overdue');
});

const T0 = Date.parse('2026-11-21T20:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ok: ActionResult = { exitCode: 0, errorCode: null, excerpt: 'logged off' };

async function overdueIds(now: Date, ledger = fx.ledger) {
  return (await ledger.listOverdue(now, { limit: 1000 })).items.map((a) => [a.id, a.status]);
}

describe('the overdue index', () => {
  it('holds a new planned action until its planned deadline, then lists it', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });

    expect(action.deadline).toBe(at(DEFAULT_PLANNED_GRACE_SECONDS).toISOString());
    expect(await overdueIds(at(DEFAULT_PLANNED_GRACE_SECONDS - 1))).not.toContainEqual([
      action.id,
      'planned',
    ]);
    expect(await overdueIds(at(DEFAULT_PLANNED_GRACE_SECONDS + 1))).toContainEqual([
      action.id,
      'planned',
    ]);
  });

  it('takes the grace from the caller before the ledger option', async () => {
    const ledger = createLedger({
      client: fx.client,
      tableName: fx.tableName,
      plannedGraceSeconds: 100,
    });

    const byOption = await ledger.createAction(apiLogoff(), { at: at(0) });
    const byCaller = await ledger.createAction(apiLogoff(), {
      at: at(0),
      plannedGraceSeconds: 30,
    });

    expect(byOption.action.deadline).toBe(at(100).toISOString());
    expect(byCaller.action.deadline).toBe(at(30).toISOString());
  });

  it('keeps the first planned deadline when the same action is recorded again', async () => {
    const request = apiLogoff();
    const first = await fx.ledger.createAction(request, { at: at(0) });

    const again = await fx.ledger.createAction(request, { at: at(500), plannedGraceSeconds: 60 });

    expect(again.alreadyExisted).toBe(true);
    expect(again.action.deadline).toBe(first.action.deadline);
  });

  it('replaces the planned deadline with the dispatch deadline', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), {
      at: at(0),
      plannedGraceSeconds: 60,
    });

    const dispatched = await fx.ledger.markDispatched(action, {
      commandId: 'cmd-replace',
      deadline: at(3600),
      at: at(10),
    });

    expect(dispatched.deadline).toBe(at(3600).toISOString());
    expect(await overdueIds(at(120))).not.toContainEqual([action.id, 'planned']);
    expect(await overdueIds(at(3601))).toContainEqual([action.id, 'dispatched']);
  });

  it('drops a planned action completed without a dispatch', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), {
      at: at(0),
      plannedGraceSeconds: 60,
    });

    await fx.ledger.complete(action.id, 'skipped', ok, { at: at(1) });

    expect((await overdueIds(at(7200))).map(([id]) => id)).not.toContain(action.id);
  });

  it('refuses a grace that is not a positive whole number of seconds, writing nothing', async () => {
    const request = apiLogoff();
    for (const bad of [0, -5, 1.5, Number.NaN, 40 * 86_400]) {
      await expect(
        fx.ledger.createAction(request, { plannedGraceSeconds: bad })
      ).rejects.toBeInstanceOf(InvalidLedgerInputError);
      expect(() =>
        createLedger({ client: fx.client, tableName: fx.tableName, plannedGraceSeconds: bad })
      ).toThrow(InvalidLedgerInputError);
    }
    expect(await fx.ledger.getAction((await fx.ledger.createAction(request)).action.id)).not.toBe(
      null
    );
  });
});

describe('completing only from given statuses', () => {
  it('cancels a planned action when asked to complete it only from planned', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });

    const done = await fx.ledger.complete(action.id, 'cancelled', ok, { from: ['planned'] });

    expect(done.status).toBe('cancelled');
  });

  it('leaves a dispatched action alone when asked to complete it only from planned', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });
    await fx.ledger.markDispatched(action, { commandId: 'cmd-raced', deadline: at(900) });

    const error = await fx.ledger
      .complete(action.id, 'cancelled', ok, { from: ['planned'] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StaleTransitionError);
    expect((error as StaleTransitionError).current).toMatchObject({
      status: 'dispatched',
      commandId: 'cmd-raced',
    });
  });

  it('refuses a source set from which the status cannot be reached', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });

    await expect(
      fx.ledger.complete(action.id, 'succeeded', ok, { from: ['planned'] })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    expect((await fx.ledger.getAction(action.id))?.status).toBe('planned');
  });
});

describe('concurrent dispatch records', () => {
  it('keeps exactly one of two concurrent dispatches and reports the other as stale', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff(), { at: at(0) });

    const results = await Promise.allSettled([
      fx.ledger.markDispatched(action, { commandId: 'cmd-sender', deadline: at(900) }),
      fx.ledger.markDispatched(action, { commandId: 'cmd-event', deadline: at(900) }),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const stored = await fx.ledger.getAction(action.id);
    expect(stored).toMatchObject({ status: 'dispatched', attempts: 1 });
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(StaleTransitionError);
  });
});

describe('write cost', () => {
  it('takes three write requests per action from creation to completion', async () => {
    const requests: Record<string, number> = {};
    const base = new DynamoDBClient({
      endpoint: inject('dynamodbEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
    base.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        const operation = (headers['x-amz-target'] ?? 'unknown.unknown').split('.')[1] ?? '';
        requests[operation] = (requests[operation] ?? 0) + 1;
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'countRequests' }
    );
    const ledger = createLedger({
      client: DynamoDBDocumentClient.from(base, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: fx.tableName,
    });

    for (let n = 0; n < 10; n++) {
      const { action } = await ledger.createAction(apiLogoff(), { at: at(n) });
      await ledger.markDispatched(action, { commandId: `cmd-cost-${n}`, deadline: at(900) });
      await ledger.complete(action.id, 'succeeded', ok);
    }

    expect(requests).toEqual({ PutItem: 10, UpdateItem: 20 });
  });
});
