import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { sweepIdOf } from '../../../lib/sweep/sweep.js';
import {
  type ApiHarness,
  postWith,
  sample,
  startApiHarness,
  withPath,
  withQuery,
} from './harness.js';

/**
 * The fleet views against dynalite, the local SSM and the simulated fleet: `GET /v1/hosts`,
 * `GET /v1/sweeps[/{id}]` after real sweeps, and `GET /v1/actions?userName=…` over every kind of
 * action that names a user.
 */

let h: ApiHarness;
let FIRST: string;
let SECOND: string;
const policy = JSON.parse(
  readFileSync(new URL('../../../local/demo-policy.json', import.meta.url), 'utf8')
);

beforeAll(async () => {
  h = await startApiHarness({ policy, fleetClock: true });
  const minute = Math.floor(h.fleet.now().getTime() / 60_000) * 60_000;
  FIRST = sweepIdOf(new Date(minute - 60_000));
  SECOND = sweepIdOf(new Date(minute));
  await h.sweep(new Date(minute - 60_000).toISOString());
  await h.settle();
});
afterAll(() => h.close());

const get = (
  path: string,
  query: Record<string, string> = {},
  params: Record<string, string> = {}
) => h.invoke(withQuery(withPath(sample('list-actions-by-host'), path, params), query));

interface HostBody {
  instanceId: string;
  computerName: string | null;
  pingStatus: string;
  policyGroup: string;
  lastSweep: { sweepId: string; result: string; sessions: number | null } | null;
  lastAction: Action | null;
}

async function allHosts(limit: string): Promise<HostBody[]> {
  const hosts: HostBody[] = [];
  let cursor: string | null = null;
  do {
    const response = await get('/v1/hosts', { limit, ...(cursor ? { cursor } : {}) });
    expect(response.statusCode).toBe(200);
    hosts.push(...(response.body.items as HostBody[]));
    cursor = response.body.cursor as string | null;
  } while (cursor !== null);
  return hosts;
}

describe('GET /v1/hosts', () => {
  it('pages every managed host with its ping status, group, last sweep and last action', async () => {
    const hosts = await allHosts('5');
    const managed = h.fleet
      .instances()
      .filter((i) => i.tags['session-janitor:managed'] === 'true')
      .map((i) => i.instanceId)
      .sort();
    expect(hosts.map((x) => x.instanceId).sort()).toEqual(managed);
    const byName = new Map(hosts.map((x) => [x.computerName, x]));
    expect(byName.has('RDSH-LAB-01')).toBe(false);
    expect(byName.get('RDSH-DE-01')).toMatchObject({ policyGroup: 'strict', pingStatus: 'Online' });
    expect(byName.get('FS-US-01')?.policyGroup).toBe('file-servers');
    expect(byName.get('RDSH-US-01')?.policyGroup).toBe('default');
    // The host that lost its connection is shown, never swept.
    expect(byName.get('RDSH-US-03')).toMatchObject({
      pingStatus: 'ConnectionLost',
      lastSweep: null,
    });

    for (const host of hosts.filter((x) => x.pingStatus === 'Online')) {
      expect(host.lastSweep?.sweepId).toBe(FIRST);
      const history = await h.ledger.listByHost(host.instanceId, { limit: 1, order: 'desc' });
      expect(host.lastAction?.id ?? null).toBe(history.items[0]?.id ?? null);
      const fleetHost = h.fleet.host(host.instanceId);
      if (host.lastSweep?.result === 'listed') {
        expect(host.lastSweep.sessions).toBeGreaterThanOrEqual(0);
      } else {
        expect(host.lastSweep?.result).toBe('acted');
        expect(host.lastAction?.trigger).toEqual({
          kind: 'schedule',
          sweepId: FIRST,
        });
      }
      expect(fleetHost.instance.instanceId).toBe(host.instanceId);
    }
    // The demo fleet's file servers have nothing to do: listed, with their session count.
    expect(byName.get('FS-DE-01')?.lastSweep).toMatchObject({ result: 'listed' });
  });

  it('refuses a bad limit or a forged cursor with 400 naming the field', async () => {
    const low = await get('/v1/hosts', { limit: '2' });
    expect(low).toMatchObject({ statusCode: 400, body: { error: 'bad-request' } });
    expect(low.body.fields).toEqual([{ path: 'query.limit', message: expect.any(String) }]);
    for (const cursor of [
      'not-a-cursor',
      Buffer.from('{"v":1,"t":"forged"}').toString('base64url'),
    ]) {
      const forged = await get('/v1/hosts', { cursor });
      expect(forged).toMatchObject({
        statusCode: 400,
        body: { fields: [{ path: 'query.cursor', message: 'not a cursor this listing issued' }] },
      });
    }
    const unknown = await get('/v1/hosts', { group: 'strict' });
    expect(unknown.statusCode).toBe(400);
    expect((unknown.body.fields as { path: string }[])[0]?.path).toBe('query.group');
  });
});

describe('GET /v1/sweeps', () => {
  it('lists sweeps newest first with what each asked, saw, planned, did and skipped', async () => {
    await h.sweep(`${SECOND.slice(3)}`);
    await h.settle();
    const response = await get('/v1/sweeps');
    expect(response.statusCode).toBe(200);
    const items = response.body.items as {
      id: string;
      asked: { hosts: number; groups: Record<string, number> };
      seen: { sessions: number; errors: number };
      planned: number;
      actions: {
        total: number;
        byStatus: Record<string, number>;
        skippedByReason: Record<string, number>;
      };
    }[];
    expect(items.map((s) => s.id)).toEqual([SECOND, FIRST]);
    const first = items[1];
    const online = h.fleet
      .instances()
      .filter((i) => i.tags['session-janitor:managed'] === 'true' && i.pingStatus === 'Online');
    expect(first?.asked.hosts).toBe(online.length);
    expect(first?.asked.groups).toEqual({
      strict: 2,
      'file-servers': 2,
      default: online.length - 4,
    });
    expect(first?.seen.sessions).toBeGreaterThan(0);
    // Its actions, as the ledger holds them.
    const mine: Action[] = [];
    for (const host of online) {
      const page = await h.ledger.listByHost(host.instanceId, { limit: 100 });
      mine.push(
        ...page.items.filter((a) => a.trigger.kind === 'schedule' && a.trigger.sweepId === FIRST)
      );
    }
    expect(first?.actions.total).toBe(mine.length);
    expect(mine.length).toBeGreaterThan(0);
    const count = (list: string[]) =>
      list.reduce<Record<string, number>>((acc, k) => {
        acc[k] = (acc[k] ?? 0) + 1;
        return acc;
      }, {});
    expect(first?.actions.byStatus).toEqual(count(mine.map((a) => a.status)));
    expect(first?.actions.skippedByReason).toEqual(
      count(mine.filter((a) => a.status === 'skipped').map((a) => a.result?.errorCode ?? 'unknown'))
    );
    expect(first?.planned).toBe(
      mine.filter((a) => a.status !== 'skipped' || a.timestamps.dispatched).length
    );

    const one = await get(`/v1/sweeps/${FIRST}`, {}, { id: FIRST });
    expect(one).toMatchObject({ statusCode: 200, body: first });

    const paged = await get('/v1/sweeps', { limit: '1' });
    expect((paged.body.items as { id: string }[]).map((s) => s.id)).toEqual([SECOND]);
    const next = await get('/v1/sweeps', { limit: '1', cursor: String(paged.body.cursor) });
    expect((next.body.items as { id: string }[]).map((s) => s.id)).toEqual([FIRST]);
  });

  it('answers 404 for an unknown sweep and 400 for a bad id, limit or cursor', async () => {
    const missing = await get(
      '/v1/sweeps/sw-2020-01-01T00:00:00Z',
      {},
      { id: 'sw-2020-01-01T00:00:00Z' }
    );
    expect(missing).toMatchObject({ statusCode: 404, body: { error: 'not-found' } });
    const bad = await get('/v1/sweeps/yesterday', {}, { id: 'yesterday' });
    expect(bad).toMatchObject({ statusCode: 400, body: { fields: [{ path: 'path.id' }] } });
    expect((await get('/v1/sweeps', { limit: '51' })).body.fields).toEqual([
      { path: 'query.limit', message: expect.any(String) },
    ]);
    expect((await get('/v1/sweeps', { cursor: 'abc' })).body.fields).toEqual([
      { path: 'query.cursor', message: 'not a cursor this listing issued' },
    ]);
  });
});

describe('GET /v1/actions?userName=…', () => {
  it("finds every action on a user's sessions, newest first, with or without the domain", async () => {
    const host = h.hostId('RDSH-FR-01');
    const first = h.fleet.addSession(host, { user: 'CORP\\Gaston' });
    const second = h.fleet.addSession(host, { user: 'CORP\\gaston' });
    const ids: string[] = [];
    for (const [sessionId, ticketId, userName] of [
      [first, 'USR-G1', undefined],
      [second, 'USR-G2', 'CORP\\gaston'],
    ] as const) {
      const created = await h.invoke(
        postWith('post-action-disconnect-lookup', {
          instanceId: host,
          sessionId,
          ticketId,
          ...(userName ? { userName } : {}),
        })
      );
      expect(created.statusCode).toBe(202);
      ids.push(String(created.body.actionId));
    }
    await h.settle();
    const find = async (userName: string) => {
      const response = await get('/v1/actions', { userName });
      expect(response.statusCode).toBe(200);
      return (response.body.items as Action[]).map((a) => a.id);
    };
    const newestFirst = [...ids].reverse();
    expect(await find('GASTON')).toEqual(newestFirst);
    expect(await find('corp\\gaston')).toEqual(newestFirst);
    // The first was read from quser (no domain): it could be OTHER's gaston too.
    expect(await find('OTHER\\gaston')).toEqual([ids[0]]);
    expect(await find('gast')).toEqual([]);
  });

  it('refuses a user name the host could not be asked for, naming the field', async () => {
    const response = await get('/v1/actions', { userName: 'bob"; logoff' });
    expect(response).toMatchObject({
      statusCode: 400,
      body: { fields: [{ path: 'query.userName' }] },
    });
  });
});
