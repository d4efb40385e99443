import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSY_FILE_SERVER } from '../../../local/fleet/default-fleet.js';
import {
  type ApiHarness,
  commandsOf,
  postWith,
  sample,
  startApiHarness,
  withPath,
  withQuery,
} from './harness.js';

/*
 * FS-US-01 of the demo fleet is a busy file server (1,200 more open files), as real ones are. Its
 * listing once went out as one envelope cut at 16,000 characters in the middle of the JSON, which
 * read as "no files": close-file by path answered a false 404 (issue 12).
 */

let h: ApiHarness;
let server: string;

beforeAll(async () => {
  h = await startApiHarness();
  server = h.hostId('FS-US-01');
});
afterAll(() => h.close());

let ticket = 0;
const nextTicket = () => `BUSY${String(++ticket).padStart(5, '0')}`;

const filesOf = (query: Record<string, string> = {}) =>
  withQuery(
    withPath(sample('get-host-open-files'), `/v1/hosts/${server}/open-files`, {
      instanceId: server,
    }),
    query
  );

describe('a file server with over 1,000 open files', () => {
  it('closes a file by path, matched on the host, although the listing is far over any envelope', async () => {
    const view = h.fleet.host(server);
    expect(view.openFiles.length).toBeGreaterThan(1000);
    // The last file opened: the one a listing cut from its end would never show.
    const lastPath = BUSY_FILE_SERVER.scanPath(1200 - BUSY_FILE_SERVER.farmUsers);
    const last = view.openFiles.find((f) => f.path === lastPath);
    expect(last).toBeDefined();
    const listingsBefore = commandsOf(h.localSsm, 'ListOpenFiles').length;

    const response = await h.invoke(
      postWith('post-action-close-file-by-path', {
        instanceId: server,
        path: last?.path.toLowerCase(),
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    const listings = commandsOf(h.localSsm, 'ListOpenFiles').slice(listingsBefore);
    expect(listings.map((c) => c.parameters.PathFilter)).toEqual([[last?.path.toLowerCase()]]);
    await h.settle();
    const action = await h.action(String(response.body.actionId));
    expect(action).toMatchObject({
      status: 'succeeded',
      target: { kind: 'file', fileId: last?.fileId, expectedPath: last?.path },
    });
    expect(h.fleet.host(server).openFiles.some((f) => f.fileId === last?.fileId)).toBe(false);
  });

  it('closes a file by id from the page that starts at it', async () => {
    const file = h.fleet.host(server).openFiles.at(-2);
    const response = await h.invoke(
      postWith('post-action-close-file-by-id', {
        instanceId: server,
        fileId: file?.fileId,
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    const listing = commandsOf(h.localSsm, 'ListOpenFiles').at(-1);
    expect(listing?.parameters.AfterFileId).toEqual([String(BigInt(file?.fileId ?? 0) - 1n)]);
    await h.settle();
    expect((await h.action(String(response.body.actionId)))?.target).toEqual({
      kind: 'file',
      fileId: file?.fileId,
      expectedPath: file?.path,
    });
  });

  it('lists the open files a page at a time, each whole, every file once, in id order', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const response = await h.invoke(filesOf(after === undefined ? {} : { after }));
      expect(response.statusCode).toBe(200);
      const body = response.body as {
        files: { id: string }[];
        next: { afterFileId: string; remaining: number } | null;
      };
      seen.push(...body.files.map((f) => f.id));
      if (body.next !== null) expect(body.next.afterFileId).toBe(body.files.at(-1)?.id);
      after = body.next?.afterFileId;
      pages++;
    } while (after !== undefined);
    const open = h.fleet.host(server).openFiles.map((f) => BigInt(f.fileId));
    expect(pages).toBeGreaterThan(10);
    expect(seen).toEqual(open.sort((a, b) => (a < b ? -1 : 1)).map(String));
  });

  it('lists the handles of one path only, every user holding it', async () => {
    const response = await h.invoke(filesOf({ path: BUSY_FILE_SERVER.sharedFile.toUpperCase() }));
    expect(response.statusCode).toBe(200);
    const files = response.body.files as { path: string; userName: string }[];
    expect(files).toHaveLength(BUSY_FILE_SERVER.farmUsers);
    expect(new Set(files.map((f) => f.path))).toEqual(new Set([BUSY_FILE_SERVER.sharedFile]));
    expect(new Set(files.map((f) => f.userName)).size).toBe(BUSY_FILE_SERVER.farmUsers);
    expect(response.body.next).toBeNull();
    const wildcard = await h.invoke(filesOf({ path: 'D:\\Shares\\*' }));
    expect(wildcard.statusCode).toBe(400);
  });

  it('answers 502, never 404, when the host had to cut its listing', async () => {
    // One path longer than a whole envelope: its page cannot be whole.
    const fileId = h.fleet.addOpenFile(server, {
      path: `D:\\Shares\\Archive\\${'Protokoll '.repeat(2000)}.txt`,
      clientComputerName: 'WS-LONG',
      user: 'CORP\\long.path',
    });
    const response = await h.invoke(
      postWith('post-action-close-file-by-id', {
        instanceId: server,
        fileId,
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(502);
    expect(response.body).toMatchObject({ error: 'host-error' });
    expect(String(response.body.message)).toMatch(/cut its open-file listing/);
    expect(
      commandsOf(h.localSsm, 'CloseOpenFile').some((c) => c.parameters.FileId?.[0] === fileId)
    ).toBe(false);
  });
});
