import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidLedgerInputError, SweepNotFoundError } from '../../../lib/ledger/errors.js';
import type { SweepCount } from '../../../lib/ledger/sweeps.js';
import { type LedgerFixture, ledgerFixture } from './fixture.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await ledgerFixture('sweeps');
});

const scheduledAt = new Date('2026-11-21T20:00:00.000Z');
let serial = 0;
function sweepId() {
  serial += 1;
  return `sweep-20261121T2000-${serial}`;
}

describe('sweep records', () => {
  it('records a sweep once and returns it to a retried invocation', async () => {
    const id = sweepId();
    const first = await fx.ledger.recordSweep(
      { id, scheduledAt },
      { at: new Date('2026-11-21T20:00:03.000Z') }
    );

    const retry = await fx.ledger.recordSweep({ id, scheduledAt });

    expect(first.alreadyExisted).toBe(false);
    expect(first.sweep).toEqual({
      id,
      scheduledAt: scheduledAt.toISOString(),
      startedAt: '2026-11-21T20:00:03.000Z',
      updatedAt: '2026-11-21T20:00:03.000Z',
      counters: { hostsAsked: 0, sessionsSeen: 0, actionsPlanned: 0, errors: 0 },
      groups: null,
      allowance: { perListing: 0, reserved: 0 },
    });
    expect(retry).toEqual({ sweep: first.sweep, alreadyExisted: true });
    expect(await fx.ledger.getSweep(id)).toEqual(first.sweep);
  });

  it('adds concurrent counter updates without losing any', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fx.ledger.addToSweep(sweep.id, { sessionsSeen: 3, errors: i % 2, hostsAsked: 1 })
      )
    );

    const after = await fx.ledger.getSweep(sweep.id);
    expect(after?.counters).toEqual({
      hostsAsked: 30,
      sessionsSeen: 90,
      actionsPlanned: 0,
      errors: 15,
    });
  });

  it('counts a key once across concurrent and repeated adds, and each key once', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });
    const shard = '11111111-2222-3333-4444-555555555555';

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fx.ledger.addToSweepOnce(
          sweep.id,
          { shard, key: i < 8 ? 'i-0aaaaaaaaaaaaaaa1' : 'i-0aaaaaaaaaaaaaaa2' },
          { errors: 1 }
        )
      )
    );

    expect(results.filter((r) => r.counted)).toHaveLength(2);
    expect((await fx.ledger.getSweep(sweep.id))?.counters.errors).toBe(2);
    await expect(
      fx.ledger.addToSweepOnce('sw-none', { shard, key: 'i-0aaaaaaaaaaaaaaa1' }, { errors: 1 })
    ).rejects.toBeInstanceOf(SweepNotFoundError);
    const orphans = await fx.client.send(
      new QueryCommand({
        TableName: fx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'SWEEP#sw-none' },
      })
    );
    expect(orphans.Items).toEqual([]);
  });

  it('counts several keys of a command in one write, and each on its own when one was counted', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });
    const shard = '11111111-2222-3333-4444-666666666666';
    const host = (n: number) => `i-0${String(n).padStart(16, '0')}`;
    const counts = (hosts: number[]) =>
      hosts.map((n) => ({ key: host(n), deltas: { sessionsSeen: n } }));

    expect(await fx.ledger.addEachToSweepOnce(sweep.id, shard, counts([1, 2, 3]))).toEqual({
      counted: [host(1), host(2), host(3)],
    });
    // A redelivered batch with one new host, and a host twice in one batch.
    expect(await fx.ledger.addEachToSweepOnce(sweep.id, shard, counts([2, 4, 4]))).toEqual({
      counted: [host(4)],
    });
    expect((await fx.ledger.getSweep(sweep.id))?.counters.sessionsSeen).toBe(1 + 2 + 3 + 4);
    await expect(
      fx.ledger.addEachToSweepOnce(sweep.id, shard, counts(Array.from({ length: 51 }, (_, i) => i)))
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    await expect(
      fx.ledger.addEachToSweepOnce('sw-none', shard, counts([1]))
    ).rejects.toBeInstanceOf(SweepNotFoundError);
  });

  it('keeps each item small however many hosts a sweep counts: one per listing command', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });
    const commands = Array.from(
      { length: 4 },
      (_, c) => `11111111-2222-3333-4444-${String(c).padStart(12, '0')}`
    );
    for (const [c, shard] of commands.entries()) {
      await Promise.all(
        Array.from({ length: 50 }, (_, h) =>
          fx.ledger.addToSweepOnce(
            sweep.id,
            { shard, key: `i-0${String(c * 50 + h).padStart(16, '0')}` },
            { sessionsSeen: 10 }
          )
        )
      );
    }
    await fx.ledger.claimSweepQuota(sweep.id, {
      counter: 'actionsPlanned',
      wanted: 3,
      max: 10,
      add: { sessionsSeen: 10 },
    });

    const items = await fx.client.send(
      new QueryCommand({
        TableName: fx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `SWEEP#${sweep.id}` },
      })
    );
    // The sweep, its listing entry and one item per listing command.
    expect(items.Items).toHaveLength(2 + commands.length);
    for (const item of items.Items ?? []) {
      expect((item.countedKeys as Set<string> | undefined)?.size ?? 0).toBeLessThanOrEqual(50);
    }
    expect((await fx.ledger.getSweep(sweep.id))?.counters).toMatchObject({
      sessionsSeen: 2010,
      actionsPlanned: 3,
    });
    expect(await fx.ledger.getSweepBudget(sweep.id)).toEqual({
      actionsPlanned: 3,
      allowance: { perListing: 0, reserved: 0 },
    });
  });

  it('never grants more quota than the cap across concurrent claims', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });

    const claims = await Promise.all(
      Array.from({ length: 12 }, () =>
        fx.ledger.claimSweepQuota(sweep.id, { counter: 'actionsPlanned', wanted: 3, max: 20 })
      )
    );

    const granted = claims.map((c) => c.granted);
    expect(granted.reduce((a, b) => a + b, 0)).toBe(20);
    expect(granted.every((g) => g >= 0 && g <= 3)).toBe(true);
    expect((await fx.ledger.getSweep(sweep.id))?.counters.actionsPlanned).toBe(20);
  });

  it('grants part of a claim when only part of the quota is left', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });
    await fx.ledger.addToSweep(sweep.id, { actionsPlanned: 8 });

    const partial = await fx.ledger.claimSweepQuota(sweep.id, {
      counter: 'actionsPlanned',
      wanted: 5,
      max: 10,
    });
    const none = await fx.ledger.claimSweepQuota(sweep.id, {
      counter: 'actionsPlanned',
      wanted: 1,
      max: 10,
    });

    expect(partial.granted).toBe(2);
    expect(none.granted).toBe(0);
    expect(none.total).toBe(10);
  });

  it('reports unknown sweeps as not found and creates nothing', async () => {
    const id = sweepId();

    await expect(fx.ledger.addToSweep(id, { errors: 1 })).rejects.toBeInstanceOf(
      SweepNotFoundError
    );
    await expect(
      fx.ledger.claimSweepQuota(id, { counter: 'actionsPlanned', wanted: 1, max: 5 })
    ).rejects.toBeInstanceOf(SweepNotFoundError);
    expect(await fx.ledger.getSweep(id)).toBeNull();
  });

  it('rejects bad sweep ids and counter updates with a typed error', async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });

    await expect(fx.ledger.recordSweep({ id: 'has space', scheduledAt })).rejects.toBeInstanceOf(
      InvalidLedgerInputError
    );
    await expect(fx.ledger.addToSweep(sweep.id, {})).rejects.toBeInstanceOf(
      InvalidLedgerInputError
    );
    await expect(fx.ledger.addToSweep(sweep.id, { errors: -1 })).rejects.toBeInstanceOf(
      InvalidLedgerInputError
    );
    await expect(
      fx.ledger.addToSweep(sweep.id, { bogus: 1 } as unknown as { errors: number })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    expect((await fx.ledger.getSweep(sweep.id))?.counters.errors).toBe(0);
  });
});

describe('window quotas', () => {
  const at = new Date('2026-11-21T20:07:00.000Z');

  it('never grants more than the maximum to concurrent claims in one window', async () => {
    const claim = { scope: 'idle-act:fleet-concurrent', max: 5, windowMinutes: 15, at };

    const granted = await Promise.all(
      Array.from({ length: 12 }, () => fx.ledger.claimQuota({ ...claim, wanted: 1 }))
    );

    expect(granted.reduce((a, b) => a + b, 0)).toBe(5);
    expect(await fx.ledger.claimQuota({ ...claim, wanted: 3 })).toBe(0);
  });

  it('grants part of a claim, gives back what is released, and starts afresh each window', async () => {
    const claim = { scope: 'idle-act:i-0123456789abcdef0', max: 3, windowMinutes: 15, at };

    expect(await fx.ledger.claimQuota({ ...claim, wanted: 2 })).toBe(2);
    expect(await fx.ledger.claimQuota({ ...claim, wanted: 4 })).toBe(1);
    await fx.ledger.releaseQuota({ ...claim, wanted: 2 });
    expect(await fx.ledger.claimQuota({ ...claim, wanted: 4 })).toBe(2);
    const next = new Date('2026-11-21T20:15:00.000Z');
    expect(await fx.ledger.claimQuota({ ...claim, at: next, wanted: 4 })).toBe(3);
  });

  it('rejects a bad scope before writing', async () => {
    await expect(
      fx.ledger.claimQuota({ scope: 'no spaces', wanted: 1, max: 1, windowMinutes: 15, at })
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
  });
});

describe('sweeps as the API reads them', () => {
  it('lists sweeps newest first by scheduled time, paged, with their groups', async () => {
    const own = await ledgerFixture('sweep-list');
    const times = ['2026-03-01T10:00:00Z', '2026-03-01T10:15:00Z', '2026-03-01T10:30:00Z'];
    for (const time of times) {
      const id = `sw-${time}`;
      await own.ledger.recordSweep({ id, scheduledAt: new Date(time) });
      await own.ledger.recordSweepGroups(
        id,
        { default: 4, strict: 2 },
        { perListing: 5, reserved: 30 }
      );
    }
    // A retried sweep is one entry.
    await own.ledger.recordSweep({ id: `sw-${times[0]}`, scheduledAt: new Date(times[0] ?? '') });
    const first = await own.ledger.listSweeps({ limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual([`sw-${times[2]}`, `sw-${times[1]}`]);
    expect(first.items[0]?.groups).toEqual({ default: 4, strict: 2 });
    expect(first.items[0]?.allowance).toEqual({ perListing: 5, reserved: 30 });
    expect(await own.ledger.getSweepBudget(`sw-${times[2]}`)).toEqual({
      actionsPlanned: 0,
      allowance: { perListing: 5, reserved: 30 },
    });
    const rest = await own.ledger.listSweeps({ limit: 2, cursor: first.cursor });
    expect(rest.items.map((s) => s.id)).toEqual([`sw-${times[0]}`]);
    expect(rest.cursor).toBeNull();
    await expect(own.ledger.listSweeps({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(/cursor/);
    await expect(own.ledger.recordSweepGroups('sw-none', { default: 1 })).rejects.toThrow(
      /sw-none/
    );
    await expect(
      own.ledger.recordSweepGroups(
        `sw-${times[0]}`,
        { default: 1 },
        { perListing: -1, reserved: 0 }
      )
    ).rejects.toBeInstanceOf(InvalidLedgerInputError);
    expect(await own.ledger.getSweepBudget('sw-none')).toBeNull();
  });

  it("keeps what each host counted through its listing command, once, and sums a sweep's actions", async () => {
    const { sweep } = await fx.ledger.recordSweep({ id: sweepId(), scheduledAt });
    await fx.ledger.addToSweepOnce(
      sweep.id,
      { shard: 'cmd-1', key: 'i-0aaaaaaaaaaaaaaa1' },
      {
        sessionsSeen: 4,
      }
    );
    await fx.ledger.addToSweepOnce(
      sweep.id,
      { shard: 'cmd-1', key: 'i-0aaaaaaaaaaaaaaa2' },
      {
        errors: 1,
      }
    );
    // Redelivered: counted once, its result unchanged.
    await fx.ledger.addToSweepOnce(
      sweep.id,
      { shard: 'cmd-1', key: 'i-0aaaaaaaaaaaaaaa1' },
      {
        sessionsSeen: 9,
      }
    );
    expect(await fx.ledger.getSweepHosts(sweep.id)).toEqual(
      new Map([
        ['i-0aaaaaaaaaaaaaaa1', { sessionsSeen: 4 }],
        ['i-0aaaaaaaaaaaaaaa2', { errors: 1 }],
      ])
    );

    const plan = (sessionId: number, user: string, sweepCount?: SweepCount) =>
      fx.ledger.createAction(
        {
          operation: 'logoff',
          instanceId: 'i-0aaaaaaaaaaaaaaa3',
          target: { kind: 'session', sessionId, expectedUser: user },
          trigger: { kind: 'schedule', sweepId: sweep.id },
          reason: 'disconnected 30 min',
          policy: 'default',
          dryRun: false,
        },
        { sweepCount }
      );
    // A host's listing within its allowance counts on the actions it records.
    const done = (await plan(1, 'amy', { sessionsSeen: 7, actionsPlanned: 1 })).action;
    const excluded = (await plan(2, 'svc_backup')).action;
    const dry = (await plan(3, 'bob')).action;
    await plan(4, 'cat', { actionsPlanned: 1 });
    // Recorded again (a redelivered listing): the first record and its count stand.
    expect((await plan(4, 'cat', { sessionsSeen: 7, actionsPlanned: 1 })).alreadyExisted).toBe(
      true
    );
    expect(Object.keys(done)).not.toContain('sweepCount');
    await fx.ledger.markDispatched(done, {
      commandId: 'cmd-2',
      deadline: new Date(Date.now() + 6e5),
    });
    await fx.ledger.complete(done.id, 'succeeded', { exitCode: 0, errorCode: null, excerpt: '' });
    await fx.ledger.complete(excluded.id, 'skipped', {
      exitCode: null,
      errorCode: 'policy:excluded',
      excerpt: '',
    });
    await fx.ledger.complete(dry.id, 'skipped', {
      exitCode: null,
      errorCode: 'policy:dry-run',
      excerpt: '',
    });
    expect(await fx.ledger.summarizeSweepActions(sweep.id)).toEqual({
      total: 4,
      byStatus: { succeeded: 1, skipped: 2, planned: 1 },
      byOperation: { logoff: { succeeded: 1, skipped: 2, planned: 1 } },
      skippedByReason: { 'policy:excluded': 1, 'policy:dry-run': 1 },
      counted: { sessionsSeen: 7, actionsPlanned: 2 },
    });
    expect((await fx.ledger.getAction(done.id))?.status).toBe('succeeded');
    expect(await fx.ledger.summarizeSweepActions('sw-2000-01-01T00:00:00Z')).toEqual({
      total: 0,
      byStatus: {},
      byOperation: {},
      skippedByReason: {},
      counted: { sessionsSeen: 0, actionsPlanned: 0 },
    });
  });
});
