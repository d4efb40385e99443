import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiHarness,
  commandsOf,
  postWith,
  sample,
  startApiHarness,
  withPath,
  withQuery,
} from './harness.js';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ hostQueryTimeoutMs: 1000 });
});
afterAll(() => h.close());

const sessionsOf = (instanceId: string) =>
  withPath(sample('get-host-sessions'), `/v1/hosts/${instanceId}/sessions`, { instanceId });
const filesOf = (instanceId: string) =>
  withPath(sample('get-host-open-files'), `/v1/hosts/${instanceId}/open-files`, { instanceId });

describe('GET /v1/hosts/{instanceId}/sessions', () => {
  it.each(['RDSH-US-01', 'RDSH-DE-01', 'RDSH-JP-01'])(
    'lists the live sessions of %s as the fleet holds them',
    async (name) => {
      const instanceId = h.hostId(name);
      const response = await h.invoke(sessionsOf(instanceId));
      expect(response.statusCode).toBe(200);
      const fleetHost = h.fleet.host(instanceId);
      expect(response.body).toMatchObject({
        instanceId,
        culture: fleetHost.instance.locale,
        hostTimeUtc: expect.any(String),
        warnings: expect.any(Array),
      });
      const sessions = response.body.sessions as { id: number; userName: string; state: string }[];
      expect(sessions.map((s) => [s.id, s.userName.toLowerCase(), s.state]).sort()).toEqual(
        fleetHost.sessions.map((s) => [s.id, s.userName.toLowerCase(), s.state]).sort()
      );
    }
  );

  it('answers 504 when the host does not answer in time', async () => {
    const instanceId = h.hostId('RDSH-FR-01');
    h.fleet.setSlow(instanceId, 1300);
    const started = Date.now();
    const response = await h.invoke(sessionsOf(instanceId));
    expect(response.statusCode).toBe(504);
    expect(response.body).toMatchObject({ error: 'host-timeout', commandId: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(2500);
    h.fleet.setSlow(instanceId, 0);
    await h.settle();
  });

  it('answers 503 without sending anything to a host whose agent is not connected', async () => {
    const instanceId = h.hostId('RDSH-US-03');
    const before = h.localSsm.commands().length;
    const response = await h.invoke(sessionsOf(instanceId));
    expect(response.statusCode).toBe(503);
    expect(response.body.error).toBe('host-offline');
    expect(h.localSsm.commands().length).toBe(before);
  });

  it('answers 403 for an unmanaged host and 404 for an unknown one', async () => {
    expect((await h.invoke(sessionsOf(h.hostId('RDSH-LAB-01')))).statusCode).toBe(403);
    expect((await h.invoke(sessionsOf('i-0123456789abcdef0'))).statusCode).toBe(404);
  });

  it('joins concurrent queries of one host into one command', async () => {
    const instanceId = h.hostId('RDSH-ES-01');
    // Long enough that the first query is still running when the last request arrives.
    h.fleet.setSlow(instanceId, 300);
    const before = commandsOf(h.localSsm, 'ListSessions').length;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => h.invoke(sessionsOf(instanceId)))
    );
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(commandsOf(h.localSsm, 'ListSessions').length - before).toBe(1);
    h.fleet.setSlow(instanceId, 0);
  });
});

describe('GET /v1/hosts/{instanceId}/open-files', () => {
  it('lists the open files and, on request, the SMB sessions', async () => {
    const instanceId = h.hostId('FS-DE-01');
    const fileId = h.fleet.addOpenFile(instanceId, {
      path: 'D:\\Shares\\Einkauf\\Bestellung.xlsx',
      clientComputerName: 'WS-0200',
      user: 'CORP\\erika',
    });
    const response = await h.invoke(filesOf(instanceId));
    expect(response.statusCode).toBe(200);
    const view = h.fleet.host(instanceId);
    const files = response.body.files as { id: string; path: string }[];
    expect(files.map((f) => f.id).sort()).toEqual(view.openFiles.map((f) => f.fileId).sort());
    expect(files).toContainEqual(
      expect.objectContaining({ id: fileId, path: 'D:\\Shares\\Einkauf\\Bestellung.xlsx' })
    );
    const smb = response.body.smbSessions as { client: string }[];
    expect(smb.map((s) => s.client).sort()).toEqual(
      view.smbSessions.map((s) => s.clientComputerName).sort()
    );

    const withoutSessions = await h.invoke(withQuery(filesOf(instanceId), {}));
    expect(withoutSessions.body).not.toHaveProperty('smbSessions');
    const badInclude = await h.invoke(withQuery(filesOf(instanceId), { include: 'everything' }));
    expect(badInclude.statusCode).toBe(400);
  });
});

describe('GET /v1/actions', () => {
  it('pages through a host history and a ticket, newest first', async () => {
    const instanceId = h.hostId('RDSH-RU-01');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sessionId = h.fleet.addSession(instanceId, { user: `CORP\\pager${i}` });
      const response = await h.invoke(
        postWith('post-action-logoff', {
          instanceId,
          sessionId,
          userName: `CORP\\pager${i}`,
          ticketId: i < 3 ? 'PAGE-A' : 'PAGE-B',
        })
      );
      expect(response.statusCode).toBe(202);
      ids.push(String(response.body.actionId));
    }
    await h.settle();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { instanceId, limit: '2' };
      if (cursor) query.cursor = cursor;
      const page = await h.invoke(withQuery(sample('list-actions-by-host'), query));
      expect(page.statusCode).toBe(200);
      const items = page.body.items as { id: string; status: string }[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((a) => a.id));
      cursor = page.body.cursor as string | null;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());

    const ticket = await h.invoke(
      withQuery(sample('list-actions-by-ticket'), { ticketId: 'PAGE-A' })
    );
    expect((ticket.body.items as { id: string }[]).map((a) => a.id)).toEqual(
      ids.slice(0, 3).reverse()
    );
    expect(ticket.body.cursor).toBeNull();
  });
});
