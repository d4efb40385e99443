import { beforeAll, describe, expect, it } from 'vitest';
import type { AffectedEntry } from '../../../lib/actions/model.js';
import { type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
const HOST = 'i-0ddddddddddddddd1';

beforeAll(async () => {
  fx = await ledgerFixture('affected');
});

const endSmb = (ticketId: string) =>
  fx.ledger.createAction({
    operation: 'end-smb-session',
    instanceId: HOST,
    target: { kind: 'smb', clientName: 'CTX-FARM-01', userName: null },
    trigger: { kind: 'api', ticketId, caller: 'desk', overrides: { confirm: true } },
    reason: 'farm server decommissioned',
    policy: null,
    dryRun: false,
  });

const session = (userName: string, smbSessionId: string): AffectedEntry => ({
  userName,
  client: 'CTX-FARM-01',
  smbSessionId,
});

describe('who an action cut off', () => {
  it('is one item per user, written again as the same item, and read back by user', async () => {
    const { action } = await endSmb('AFF-1');
    const entries = [
      session('CORP\\ann', '11'),
      session('CORP\\ann', '12'),
      session('CORP\\ben', '13'),
      session('LAB\\ann', '14'),
    ];
    await fx.ledger.recordAffected(action, entries);
    // A redelivered status event writes the very same items again.
    await fx.ledger.recordAffected(action, entries);
    const done = await fx.ledger.complete(
      action.id,
      'failed',
      { exitCode: 0, errorCode: null, excerpt: '' },
      { affected: entries }
    );
    expect(done.affected).toEqual(entries);
    expect((await fx.ledger.getAction(action.id))?.affected).toEqual(entries);

    const ann = await fx.ledger.listAffectedByUser('ANN');
    expect(ann.items.map((r) => [r.userName, r.entries.map((e) => e.smbSessionId)]).sort()).toEqual(
      [
        ['CORP\\ann', ['11', '12']],
        ['LAB\\ann', ['14']],
      ]
    );
    const corpAnn = await fx.ledger.listAffectedByUser('corp\\ann');
    expect(corpAnn.items).toEqual([
      {
        actionId: action.id,
        instanceId: HOST,
        operation: 'end-smb-session',
        userName: 'CORP\\ann',
        createdAt: action.createdAt,
        entries: entries.slice(0, 2),
      },
    ]);
    expect((await fx.ledger.listAffectedByUser('ben')).items).toHaveLength(1);
    expect((await fx.ledger.listAffectedByUser('carl')).items).toEqual([]);
    // The action's own listings see the action alone, never its user items.
    expect((await fx.ledger.listByTicket('AFF-1')).items.map((a) => a.id)).toEqual([action.id]);
  });

  it('pages a user through many actions, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { action } = await endSmb(`AFF-PAGE-${i}`);
      await fx.ledger.recordAffected(action, [session('CORP\\paged', String(100 + i))]);
      ids.push(action.id);
    }
    const first = await fx.ledger.listAffectedByUser('paged', { limit: 3, order: 'desc' });
    const rest = await fx.ledger.listAffectedByUser('paged', {
      limit: 3,
      order: 'desc',
      cursor: first.cursor,
    });
    const seen = [...first.items, ...rest.items].map((r) => r.actionId);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(5);
  });
});
