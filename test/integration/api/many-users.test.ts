import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { BUSY_FILE_SERVER } from '../../../local/fleet/default-fleet.js';
import {
  type ApiHarness,
  commandsOf,
  postWith,
  sample,
  startApiHarness,
  withQuery,
} from './harness.js';

/*
 * One action, thirty people (issue 12): on the busy FS-US-01, the 30 users of a Citrix server
 * reach the share as one SMB client and all hold the shared ledger open. Ending SMB sessions by
 * client alone (NetSessionDel semantics) or closing a file by path cut off every one of them, and
 * once did so unasked, under one action whose 300-character excerpt could not say whom.
 */

let h: ApiHarness;
let server: string;

beforeAll(async () => {
  h = await startApiHarness();
  server = h.hostId('FS-US-01');
});
afterAll(() => h.close());

const farmUsers = Array.from(
  { length: BUSY_FILE_SERVER.farmUsers },
  (_, i) => `CORP\\ctx.user${String(i + 1).padStart(2, '0')}`
);

const byUser = async (userName: string) => {
  const response = await h.invoke(withQuery(sample('list-actions-by-host'), { userName }));
  expect(response.statusCode).toBe(200);
  return response.body.items as Action[];
};

describe('a request that would cut off more than one user', () => {
  it('closing a file by path that 30 users hold: 409 with each of them, then with confirm every handle, each recorded with its user', async () => {
    const sharedHandles = () =>
      h.fleet.host(server).openFiles.filter((f) => f.path === BUSY_FILE_SERVER.sharedFile);
    expect(sharedHandles()).toHaveLength(30);
    const request = {
      instanceId: server,
      path: BUSY_FILE_SERVER.sharedFile,
      ticketId: 'INC-LEDGER-1',
    };

    const refused = await h.invoke(postWith('post-action-close-file-by-path', request));
    expect(refused.statusCode).toBe(409);
    expect(refused.body.error).toBe('confirmation-required');
    expect([...(refused.body.users as string[])].sort()).toEqual(farmUsers);
    expect(refused.body.affected).toHaveLength(30);
    expect(commandsOf(h.localSsm, 'CloseOpenFile')).toHaveLength(0);
    expect((await h.ledger.listByTicket('INC-LEDGER-1')).items).toEqual([]);

    const confirmed = await h.invoke(
      postWith('post-action-close-file-by-path', { ...request, confirm: true })
    );
    expect(confirmed.statusCode).toBe(202);
    expect(confirmed.body.actions).toHaveLength(30);
    await h.settle();
    expect(sharedHandles()).toEqual([]);
    const actions = (await h.ledger.listByTicket('INC-LEDGER-1')).items;
    expect(actions).toHaveLength(30);
    for (const action of actions) {
      expect(action.status).toBe('succeeded');
      expect(action.trigger).toMatchObject({ kind: 'api', overrides: { confirm: true } });
      expect(action.affected).toEqual([
        expect.objectContaining({
          client: BUSY_FILE_SERVER.farmClient,
          path: BUSY_FILE_SERVER.sharedFile,
          fileId: action.target.kind === 'file' ? action.target.fileId : '',
        }),
      ]);
    }
    expect(actions.map((a) => a.affected?.[0]?.userName).sort()).toEqual(farmUsers);
  });

  it('ending SMB sessions by client alone: 409 with the 30 users, then with confirm all of them, each queryable by user', async () => {
    const farmSessions = () =>
      h.fleet
        .host(server)
        .smbSessions.filter((s) => s.clientComputerName === BUSY_FILE_SERVER.farmClient);
    expect(farmSessions()).toHaveLength(30);
    const request = {
      instanceId: server,
      clientName: BUSY_FILE_SERVER.farmClient,
      userName: undefined,
      ticketId: 'INC-FARM-1',
      reason: 'citrix farm server decommissioned',
    };

    const refused = await h.invoke(postWith('post-action-end-smb-session', request));
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toMatchObject({ error: 'confirmation-required' });
    expect([...(refused.body.users as string[])].sort()).toEqual(farmUsers);
    expect(String(refused.body.message)).toMatch(/30 users/);
    expect(commandsOf(h.localSsm, 'CloseSmbSession')).toHaveLength(0);
    expect(farmSessions()).toHaveLength(30);

    const confirmed = await h.invoke(
      postWith('post-action-end-smb-session', { ...request, confirm: true })
    );
    expect(confirmed.statusCode).toBe(202);
    await h.settle();
    expect(farmSessions()).toEqual([]);
    const action = await h.action(String(confirmed.body.actionId));
    expect(action).toMatchObject({
      status: 'succeeded',
      trigger: { overrides: { confirm: true } },
    });
    expect(action?.affected?.map((a) => a.userName).sort()).toEqual(farmUsers);
    expect(new Set(action?.affected?.map((a) => a.client))).toEqual(
      new Set([BUSY_FILE_SERVER.farmClient])
    );

    // "Who cut me off?": both actions, newest first, by the bare name or the whole account.
    const mine = await byUser('ctx.user07');
    expect(mine.map((a) => a.operation)).toEqual(['end-smb-session', 'close-file']);
    expect((await byUser('CORP\\ctx.user07')).map((a) => a.id)).toEqual(mine.map((a) => a.id));
    expect(await byUser('OTHER\\ctx.user07')).toEqual([]);

    // The same confirmed request again is the same action.
    const again = await h.invoke(
      postWith('post-action-end-smb-session', { ...request, confirm: true })
    );
    expect(again.statusCode).toBe(202);
    expect(again.body).toMatchObject({ actionId: action?.id, created: false });
  });

  it("asks nothing when only one user's sessions are ended, from however many clients", async () => {
    h.fleet.addSmbSession(server, { clientComputerName: 'WS-0301', user: 'CORP\\roamer' });
    h.fleet.addSmbSession(server, { clientComputerName: 'WS-0302', user: 'CORP\\roamer' });
    const response = await h.invoke(
      postWith('post-action-end-smb-session', {
        instanceId: server,
        clientName: undefined,
        userName: 'roamer',
        ticketId: 'INC-ROAMER-1',
      })
    );
    expect(response.statusCode).toBe(202);
    await h.settle();
    const action = await h.action(String(response.body.actionId));
    expect(action?.status).toBe('succeeded');
    expect(action?.affected?.map((a) => a.client).sort()).toEqual(['WS-0301', 'WS-0302']);
    expect(action?.trigger).not.toHaveProperty('overrides');
  });
});
