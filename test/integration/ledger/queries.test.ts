import { beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { InvalidCursorError, InvalidLedgerInputError } from '../../../lib/ledger/errors.js';
import type { Page, PageRequest } from '../../../lib/ledger/ledger.js';
import { apiLogoff, type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
const HOST = 'i-0ccccccccccccccc1';
const OTHER_HOST = 'i-0ccccccccccccccc2';
const T0 = Date.parse('2026-11-21T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** Ids in creation order for HOST, ticket INC-A, and command CMD-1 on HOST. */
const created = { host: [] as string[], ticket: [] as string[], command: [] as string[] };
/** Every fixture action's current deadline: planned (created + 13 min) or dispatched. */
const deadlines = new Map<string, string>();

async function all(fetch: (page: PageRequest) => Promise<Page<Action>>, request: PageRequest) {
  const items: Action[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Action> = await fetch({ ...request, cursor });
    items.push(...page.items);
    cursor = page.cursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { items, pages: cursors.length + 1 };
}

beforeAll(async () => {
  fx = await ledgerFixture('queries');
  // Created out of time order on purpose: the indexes must sort by time, not by write order.
  const minutes = Array.from({ length: 23 }, (_, i) => (i * 7) % 23);
  for (const m of minutes) {
    const onTicket = m % 2 === 0;
    const { action } = await fx.ledger.createAction(
      apiLogoff({
        instanceId: m % 5 === 4 ? OTHER_HOST : HOST,
        trigger: { kind: 'api', ticketId: onTicket ? 'INC-A' : 'INC-B', caller: 'desk' },
      }),
      { at: at(m) }
    );
    deadlines.set(action.id, action.deadline ?? '');
    if (action.instanceId === HOST) {
      created.host[m] = action.id;
      if (m % 3 === 0) {
        await fx.ledger.markDispatched(action, {
          commandId: 'CMD-1',
          deadline: at(m + 10),
          at: at(m + 1),
        });
        deadlines.set(action.id, at(m + 10).toISOString());
        created.command[m] = action.id;
      }
    }
    if (onTicket) created.ticket[m] = action.id;
  }
  for (const list of Object.values(created)) {
    const dense = list.filter(Boolean);
    list.length = 0;
    list.push(...dense);
  }
});

describe('history queries', () => {
  it('lists a host’s actions oldest first across pages', async () => {
    const { items, pages } = await all((p) => fx.ledger.listByHost(HOST, p), { limit: 4 });

    expect(items.map((a) => a.id)).toEqual(created.host);
    expect(pages).toBeGreaterThan(4);
    expect(items.every((a) => a.instanceId === HOST)).toBe(true);
  });

  it('lists newest first when asked', async () => {
    const { items } = await all((p) => fx.ledger.listByHost(HOST, p), {
      limit: 5,
      order: 'desc',
    });

    expect(items.map((a) => a.id)).toEqual([...created.host].reverse());
  });

  it('lists a ticket’s actions in time order across pages', async () => {
    const { items } = await all((p) => fx.ledger.listByTicket('INC-A', p), { limit: 3 });

    expect(items.map((a) => a.id)).toEqual(created.ticket);
  });

  it('lists the actions of a command on one host in time order', async () => {
    const { items } = await all((p) => fx.ledger.listByCommand('CMD-1', HOST, p), { limit: 2 });

    expect(items.map((a) => a.id)).toEqual(created.command);
    expect(items.every((a) => a.status === 'dispatched')).toBe(true);
    expect(await fx.ledger.listByCommand('CMD-1', OTHER_HOST)).toEqual({ items: [], cursor: null });
  });

  it('finds the action behind a status event', async () => {
    const { action } = await fx.ledger.createAction(apiLogoff({ instanceId: OTHER_HOST }));
    await fx.ledger.markDispatched(action, { commandId: 'CMD-FIND', deadline: at(60) });

    const found = await fx.ledger.findByCommand('CMD-FIND', OTHER_HOST);

    expect(found?.id).toBe(action.id);
    expect(await fx.ledger.findByCommand('CMD-FIND', HOST)).toBeNull();
  });

  it('returns an empty page for an unknown host or ticket', async () => {
    expect(await fx.ledger.listByHost('i-0ddddddddddddddd1')).toEqual({ items: [], cursor: null });
    expect(await fx.ledger.listByTicket('INC-NONE')).toEqual({ items: [], cursor: null });
  });
});

describe('overdue open actions', () => {
  const overdueAt = (now: Date) =>
    [...deadlines]
      .filter(([, deadline]) => deadline < now.toISOString())
      .sort(([a, da], [b, db]) => (da === db ? (a < b ? -1 : 1) : da < db ? -1 : 1))
      .map(([id]) => id);

  it('lists planned and dispatched actions past their deadline, earliest first, across pages', async () => {
    const overdue = await all((p) => fx.ledger.listOverdue(at(19), p), { limit: 2 });

    expect(overdue.items.map((a) => a.id)).toEqual(overdueAt(at(19)));
    expect(overdue.pages).toBeGreaterThan(2);
    expect(new Set(overdue.items.map((a) => a.status))).toEqual(new Set(['planned', 'dispatched']));
    const planned = overdue.items.filter((a) => a.status === 'planned');
    for (const action of planned) {
      expect(Date.parse(action.deadline ?? '') - Date.parse(action.createdAt)).toBe(780_000);
    }
  });

  it('drops an action from the overdue list once it is complete', async () => {
    const [first] = created.command;
    if (!first) throw new Error('fixture has no dispatched action');
    const before = overdueAt(at(19));
    await fx.ledger.complete(first, 'timed_out', null);
    deadlines.delete(first);

    const overdue = await fx.ledger.listOverdue(at(19));

    expect(overdue.items.map((a) => a.id)).not.toContain(first);
    expect(overdue.items.map((a) => a.id)).toEqual(overdueAt(at(19)));
    expect(overdue.items).toHaveLength(before.length - 1);
  });
});

describe('cursors', () => {
  it('rejects a cursor that is not one the ledger issued', async () => {
    const junk = [
      '%%%',
      'eyJ2IjoxfQ',
      Buffer.from('not json').toString('base64url'),
      'x'.repeat(5000),
    ];
    for (const cursor of junk) {
      await expect(fx.ledger.listByHost(HOST, { cursor })).rejects.toBeInstanceOf(
        InvalidCursorError
      );
    }
  });

  it('rejects a cursor replayed against another query', async () => {
    const page = await fx.ledger.listByHost(HOST, { limit: 2 });
    const cursor = page.cursor ?? '';

    await expect(fx.ledger.listByHost(OTHER_HOST, { cursor })).rejects.toBeInstanceOf(
      InvalidCursorError
    );
    await expect(fx.ledger.listByTicket('INC-A', { cursor })).rejects.toBeInstanceOf(
      InvalidCursorError
    );
    await expect(fx.ledger.listByHost(HOST, { cursor, order: 'desc' })).rejects.toBeInstanceOf(
      InvalidCursorError
    );
  });

  it('rejects a cursor whose key was tampered with', async () => {
    const page = await fx.ledger.listByHost(HOST, { limit: 2 });
    const body = JSON.parse(Buffer.from(page.cursor ?? '', 'base64url').toString('utf8'));
    body.k.gsi1pk = `HOST#${OTHER_HOST}`;
    const forged = Buffer.from(JSON.stringify(body)).toString('base64url');
    delete body.k.sk;
    const truncated = Buffer.from(JSON.stringify(body)).toString('base64url');

    await expect(fx.ledger.listByHost(HOST, { cursor: forged })).rejects.toBeInstanceOf(
      InvalidCursorError
    );
    await expect(fx.ledger.listByHost(HOST, { cursor: truncated })).rejects.toBeInstanceOf(
      InvalidCursorError
    );
  });

  it('rejects bad page sizes and partition values', async () => {
    for (const limit of [0, -1, 1.5, 1001]) {
      await expect(fx.ledger.listByHost(HOST, { limit })).rejects.toBeInstanceOf(
        InvalidLedgerInputError
      );
    }
    await expect(fx.ledger.listByHost('HOST#x')).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(fx.ledger.listByTicket('')).rejects.toBeInstanceOf(InvalidLedgerInputError);
  });
});
