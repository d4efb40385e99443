import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveActionId } from '../../../lib/actions/ids.js';
import type { NewAction } from '../../../lib/actions/model.js';
import { ActionConflictError, InvalidLedgerInputError } from '../../../lib/ledger/errors.js';
import { createLedger } from '../../../lib/ledger/ledger.js';
import { apiLogoff, type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await ledgerFixture('create');
});

async function itemsUnder(id: string) {
  const out = await fx.client.send(
    new QueryCommand({
      TableName: fx.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ACTION#${id}` },
      ConsistentRead: true,
    })
  );
  return out.Items ?? [];
}

// A Scan is fine here: it only checks the test's own table, never a request path.
async function countItems() {
  const out = await fx.client.send(new ScanCommand({ TableName: fx.tableName, Select: 'COUNT' }));
  return out.Count;
}

describe('createAction', () => {
  it('records a planned action under its derived id', async () => {
    const request = apiLogoff();
    const at = new Date('2026-11-21T20:00:00.000Z');

    const { action, alreadyExisted } = await fx.ledger.createAction(request, { at });

    expect(alreadyExisted).toBe(false);
    expect(action).toMatchObject({
      id: deriveActionId(request),
      status: 'planned',
      attempts: 0,
      commandId: null,
      result: null,
      deadline: new Date(at.getTime() + 780_000).toISOString(),
      message: null,
      warnSeconds: null,
      createdAt: at.toISOString(),
      timestamps: { planned: at.toISOString() },
    });
    expect(await fx.ledger.getAction(action.id)).toEqual(action);
    const [item] = await itemsUnder(action.id);
    expect(item?.expiresAt).toBe(Math.floor(at.getTime() / 1000) + 400 * 86_400);
  });

  it('takes time from the injected clock and retention from the options', async () => {
    const now = new Date('2027-01-05T10:00:00.000Z');
    const ledger = createLedger({
      client: fx.client,
      tableName: fx.tableName,
      retentionDays: 30,
      clock: () => now,
    });

    const { action } = await ledger.createAction(apiLogoff());

    expect(action.createdAt).toBe(now.toISOString());
    const [item] = await itemsUnder(action.id);
    expect(item?.expiresAt).toBe(Math.floor(now.getTime() / 1000) + 30 * 86_400);
    expect(() => createLedger({ client: fx.client, tableName: 't', retentionDays: 0 })).toThrow(
      InvalidLedgerInputError
    );
  });

  it('turns 50 concurrent creates of one action into one item and 49 "already existed"', async () => {
    const request = apiLogoff();

    const results = await Promise.all(
      Array.from({ length: 50 }, () => fx.ledger.createAction(structuredClone(request)))
    );

    expect(results.filter((r) => !r.alreadyExisted)).toHaveLength(1);
    expect(results.filter((r) => r.alreadyExisted)).toHaveLength(49);
    const ids = new Set(results.map((r) => r.action.id));
    expect(ids.size).toBe(1);
    const winner = results.find((r) => !r.alreadyExisted)?.action;
    for (const r of results) expect(r.action).toEqual(winner);
    expect(await itemsUnder(deriveActionId(request))).toHaveLength(1);
  });

  it('treats another spelling of the same user as the same target', async () => {
    const first = apiLogoff();
    const respelled: NewAction = {
      ...first,
      target: { kind: 'session', sessionId: 4242, expectedUser: 'contoso\\ALICE' },
    };
    const original: NewAction = {
      ...first,
      target: { kind: 'session', sessionId: 4242, expectedUser: 'CONTOSO\\alice' },
    };
    const { action } = await fx.ledger.createAction(original);

    const error = await fx.ledger.createAction(respelled).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ActionConflictError);
    expect((error as ActionConflictError).existing.id).toBe(action.id);
  });

  it('refuses a different API request on the same ticket, operation and target with a conflict', async () => {
    const first = apiLogoff();
    const { action } = await fx.ledger.createAction(first);

    const error = await fx.ledger
      .createAction({ ...first, reason: 'a different reason' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ActionConflictError);
    expect((error as ActionConflictError).existing).toEqual(action);
    expect(await fx.ledger.getAction(action.id)).toEqual(action);
    const byCaller = await fx.ledger
      .createAction({ ...first, trigger: { ...first.trigger, caller: 'someone-else' } as never })
      .catch((e: unknown) => e);
    expect(byCaller).toBeInstanceOf(ActionConflictError);
  });

  it('creates a separate action for another operation under the same ticket and target', async () => {
    const logoff = apiLogoff();
    const notify: NewAction = { ...logoff, operation: 'notify', message: 'Saving your work?' };

    const a = await fx.ledger.createAction(logoff);
    const b = await fx.ledger.createAction(notify);

    expect(b.alreadyExisted).toBe(false);
    expect(b.action.id).not.toBe(a.action.id);
  });

  it('keeps the first of two scheduled observations of the same session in one sweep', async () => {
    const planned: NewAction = {
      operation: 'disconnect',
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      target: {
        kind: 'session',
        sessionId: 3,
        expectedUser: 'bob',
        logonTime: '2026-11-21T08:02',
      },
      trigger: { kind: 'schedule', sweepId: 'sweep-2026-11-21T20:00' },
      reason: "idle 47 min ≥ 30 min policy 'default'",
      policy: 'default',
      dryRun: false,
    };

    const first = await fx.ledger.createAction(planned);
    const replay = await fx.ledger.createAction({
      ...planned,
      reason: "idle 48 min ≥ 30 min policy 'default'",
    });

    expect(replay.alreadyExisted).toBe(true);
    expect(replay.action).toEqual(first.action);
    expect(replay.action.reason).toContain('47 min');
  });

  it('rejects invalid requests with a typed error and writes nothing', async () => {
    const bad: NewAction[] = [
      apiLogoff({ instanceId: 'not-an-instance' }),
      apiLogoff({ reason: '' }),
      apiLogoff({ reason: 'line\nbreak' }),
      apiLogoff({ trigger: { kind: 'api', ticketId: '', caller: 'x' } }),
      apiLogoff({ target: { kind: 'session', sessionId: -1, expectedUser: 'a' } }),
      apiLogoff({ target: { kind: 'smb', clientName: null, userName: null } }),
      apiLogoff({ target: { kind: 'file', fileId: '12; rm', expectedPath: 'C:\\x' } }),
      apiLogoff({ warnSeconds: 0 }),
      { ...apiLogoff(), operation: 'reboot' } as unknown as NewAction,
    ];

    const before = await countItems();

    for (const request of bad) {
      const error = await fx.ledger.createAction(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidLedgerInputError);
      expect((error as InvalidLedgerInputError).issues.length).toBeGreaterThan(0);
    }
    expect(await countItems()).toBe(before);
  });
});
