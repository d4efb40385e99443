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

    // By user: the action once per bare name, whichever of its domains cut that user off.
    const ann = await fx.ledger.listByUser('ANN');
    expect(ann.items.map((a) => a.id)).toEqual([action.id]);
    expect((await fx.ledger.listByUser('corp\\ann')).items.map((a) => a.id)).toEqual([action.id]);
    expect((await fx.ledger.listByUser('LAB\\ann')).items.map((a) => a.id)).toEqual([action.id]);
    expect((await fx.ledger.listByUser('OTHER\\ann')).items).toEqual([]);
    expect((await fx.ledger.listByUser('ben')).items).toHaveLength(1);
    expect((await fx.ledger.listByUser('carl')).items).toEqual([]);
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
    const first = await fx.ledger.listByUser('paged', { limit: 3, order: 'desc' });
    const rest = await fx.ledger.listByUser('paged', {
      limit: 3,
      order: 'desc',
      cursor: first.cursor,
    });
    const seen = [...first.items, ...rest.items].map((a) => a.id);
    expect(seen).toEqual([...ids].reverse());
    expect(rest.cursor).toBeNull();
  });
});

describe('every action that targeted a user', () => {
  const HOST2 = 'i-0ddddddddddddddd2';
  const logoff = (user: string, sessionId: number, ticketId: string) =>
    fx.ledger.createAction({
      operation: 'logoff',
      instanceId: HOST2,
      target: { kind: 'session', sessionId, expectedUser: user },
      trigger: { kind: 'api', ticketId, caller: 'desk' },
      reason: 'stuck',
      policy: null,
      dryRun: false,
    });

  it('finds session, shell and SMB targets by bare name, and tells domains apart', async () => {
    const bare = (await logoff('dora', 2, 'USR-1')).action; // as quser names her: no domain
    const corp = (await logoff('CORP\\Dora', 3, 'USR-2')).action;
    const other = (await logoff('OTHER\\dora', 4, 'USR-3')).action;
    const shell = (
      await fx.ledger.createAction({
        operation: 'end-shell',
        instanceId: HOST2,
        target: {
          kind: 'shell',
          shellId: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
          expectedOwner: 'CORP\\dora',
        },
        trigger: { kind: 'schedule', sweepId: 'sw-2026-01-01T00:00:00Z' },
        reason: 'idle shell',
        policy: 'default',
        dryRun: false,
      })
    ).action;
    const smb = (
      await fx.ledger.createAction({
        operation: 'end-smb-session',
        instanceId: HOST2,
        target: { kind: 'smb', clientName: null, userName: 'dora' },
        trigger: { kind: 'api', ticketId: 'USR-4', caller: 'desk' },
        reason: 'laptop stolen',
        policy: null,
        dryRun: false,
      })
    ).action;
    // The host reports closing two domains' dora: her own record is the action itself.
    await fx.ledger.recordAffected(smb, [
      { userName: 'CORP\\dora', client: 'PC1', smbSessionId: '1' },
      { userName: 'OTHER\\dora', client: 'PC2', smbSessionId: '2' },
    ]);
    const newestFirst = [smb, shell, other, corp, bare].map((a) => a.id);

    const ids = async (name: string) =>
      (await fx.ledger.listByUser(name, { order: 'desc' })).items.map((a) => a.id);
    expect(await ids('DORA')).toEqual(newestFirst);
    // CORP's own and those the host named without a domain, never OTHER's.
    expect(await ids('corp\\dora')).toEqual([smb.id, shell.id, corp.id, bare.id]);
    expect(await ids('OTHER\\Dora')).toEqual([smb.id, other.id, bare.id]);
    expect(await ids('LAB\\dora')).toEqual([smb.id, bare.id]);
    expect(await ids('dor')).toEqual([]);
  });

  it('fills a domain page past other domains, and its cursor resumes where it stopped', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 6; i++) {
      await logoff(`OTHER\\erin`, 10 + i, `USR-OTHER-${i}`);
      mine.push((await logoff(`CORP\\erin`, 20 + i, `USR-CORP-${i}`)).action.id);
    }
    const first = await fx.ledger.listByUser('corp\\erin', { limit: 4, order: 'desc' });
    expect(first.items).toHaveLength(4);
    expect(first.cursor).not.toBeNull();
    const rest = await fx.ledger.listByUser('corp\\erin', {
      limit: 4,
      order: 'desc',
      cursor: first.cursor,
    });
    expect([...first.items, ...rest.items].map((a) => a.id)).toEqual([...mine].reverse());
    await expect(
      fx.ledger.listByUser('corp\\frank', { limit: 4, order: 'desc', cursor: first.cursor })
    ).rejects.toThrow(/cursor/);
  });
});
