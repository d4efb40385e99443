import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiHarness,
  commandsOf,
  postWith,
  sample,
  startApiHarness,
  withPath,
} from './harness.js';

let h: ApiHarness;
let host: string;
let fileServer: string;

beforeAll(async () => {
  h = await startApiHarness();
  host = h.hostId('RDSH-US-01');
  fileServer = h.hostId('FS-US-01');
});
afterAll(() => h.close());

let ticket = 0;
const nextTicket = () => `INC${String(++ticket).padStart(7, '0')}`;

describe('POST /v1/actions', () => {
  it('logs a session off through to succeeded, and the ledger holds the whole story', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\ticketuser', state: 'disconnected' });
    const ticketId = nextTicket();
    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\ticketuser',
        ticketId,
      })
    );
    expect(response.statusCode).toBe(202);
    expect(response.body).toMatchObject({ status: 'dispatched', created: true });
    const actionId = String(response.body.actionId);

    await h.settle();
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
    const get = await h.invoke(
      withPath(sample('get-action'), `/v1/actions/${actionId}`, { id: actionId })
    );
    expect(get.statusCode).toBe(200);
    expect(get.body).toMatchObject({
      id: actionId,
      operation: 'logoff',
      instanceId: host,
      status: 'succeeded',
      target: { kind: 'session', sessionId, expectedUser: 'CORP\\ticketuser' },
      trigger: { kind: 'api', ticketId, caller: '3nkoep4151b7umeggnottc30u9' },
      result: { exitCode: 0, errorCode: null },
    });
    expect(Object.keys(get.body.timestamps as object).sort()).toEqual([
      'dispatched',
      'planned',
      'succeeded',
    ]);
    const commands = h.localSsm.commands().filter((c) => c.comment === `sj:act:${actionId}`);
    expect(commands).toHaveLength(1);
    expect(commands[0]?.parameters).toEqual({
      Operation: ['LogoffSession'],
      SessionId: [String(sessionId)],
      ExpectedUser: ['CORP\\ticketuser'],
    });
  });

  it('answers the same request with the same action, created false', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\twice' });
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId,
      userName: 'CORP\\twice',
      ticketId: nextTicket(),
    });
    const first = await h.invoke(structuredClone(event));
    const second = await h.invoke(structuredClone(event));
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.body.actionId).toBe(first.body.actionId);
    expect(first.body.created).toBe(true);
    expect(second.body.created).toBe(false);
    await h.settle();
    const third = await h.invoke(structuredClone(event));
    expect(third.body).toMatchObject({ actionId: first.body.actionId, status: 'succeeded' });
  });

  it('creates one action and sends one command for 20 concurrent identical requests', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\burst' });
    const before = h.localSsm.commands().length;
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId,
      userName: 'CORP\\burst',
      ticketId: nextTicket(),
    });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => h.invoke(structuredClone(event)))
    );
    expect(responses.every((r) => r.statusCode === 202)).toBe(true);
    expect(new Set(responses.map((r) => r.body.actionId)).size).toBe(1);
    expect(responses.filter((r) => r.body.created === true)).toHaveLength(1);
    expect(h.localSsm.commands().length - before).toBe(1);
    await h.settle();
    expect((await h.action(String(responses[0]?.body.actionId)))?.status).toBe('succeeded');
  });

  it('refuses another request under the same ticket and target with 409', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\conflict' });
    const ticketId = nextTicket();
    const body = { instanceId: host, sessionId, userName: 'CORP\\conflict', ticketId };
    const first = await h.invoke(postWith('post-action-logoff', body));
    const before = h.localSsm.commands().length;
    const other = await h.invoke(
      postWith('post-action-logoff', { ...body, reason: 'another reason entirely' })
    );
    expect(other.statusCode).toBe(409);
    expect(other.body).toEqual({
      error: 'conflict',
      message: expect.any(String),
      actionId: first.body.actionId,
    });
    expect(h.localSsm.commands().length).toBe(before);
    await h.settle();
  });

  it('records the person the ticket system names beside the calling client', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\asked.for' });
    const body = {
      instanceId: host,
      sessionId,
      userName: 'CORP\\asked.for',
      ticketId: nextTicket(),
      requestedBy: "CORP\\siobhan.o'brien",
    };
    const first = await h.invoke(postWith('post-action-logoff', body));
    expect(first.statusCode).toBe(202);
    const before = h.localSsm.commands().length;
    const someoneElse = await h.invoke(
      postWith('post-action-logoff', { ...body, requestedBy: 'jane.doe@corp.example' })
    );
    await h.settle();

    expect((await h.action(String(first.body.actionId)))?.trigger).toEqual({
      kind: 'api',
      ticketId: body.ticketId,
      caller: '3nkoep4151b7umeggnottc30u9',
      requestedBy: "CORP\\siobhan.o'brien",
    });
    // Another person under the same ticket and target is another request, not a repeat.
    expect(someoneElse.statusCode).toBe(409);
    expect(h.localSsm.commands().length).toBe(before);
  });

  it('takes bob.smith and CORP\\bob.smith for one session under one ticket as one target: a 409, one command', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\bob.smith' });
    const ticketId = nextTicket();
    const before = h.localSsm.commands().length;
    const body = { instanceId: host, sessionId, ticketId };

    const bare = await h.invoke(postWith('post-action-logoff', { ...body, userName: 'bob.smith' }));
    const qualified = await h.invoke(
      postWith('post-action-logoff', { ...body, userName: 'CORP\\bob.smith' })
    );
    await h.settle();

    expect(bare).toMatchObject({ statusCode: 202, body: { created: true } });
    expect(qualified).toMatchObject({
      statusCode: 409,
      body: { error: 'conflict', actionId: bare.body.actionId },
    });
    expect(h.localSsm.commands().length - before).toBe(1);
  });

  it('reads the user of a session from the host when userName is absent', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\lookup' });
    const ticketId = nextTicket();
    const event = postWith('post-action-disconnect-lookup', {
      instanceId: host,
      sessionId,
      ticketId,
    });
    const response = await h.invoke(structuredClone(event));
    expect(response.statusCode).toBe(202);
    const action = await h.action(String(response.body.actionId));
    expect(action?.target).toEqual({ kind: 'session', sessionId, expectedUser: 'lookup' });
    await h.settle();
    expect(h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state).toBe('disconnected');
    expect((await h.action(String(response.body.actionId)))?.status).toBe('succeeded');
    // The repeat finds the action through the ticket, without asking the host again.
    const lists = commandsOf(h.localSsm, 'ListSessions').length;
    const again = await h.invoke(structuredClone(event));
    expect(again.body).toMatchObject({ actionId: response.body.actionId, created: false });
    expect(commandsOf(h.localSsm, 'ListSessions')).toHaveLength(lists);
  });

  it('answers 404 for a session the host does not have, and records nothing', async () => {
    const ticketId = nextTicket();
    const response = await h.invoke(
      postWith('post-action-disconnect-lookup', { instanceId: host, sessionId: 4321, ticketId })
    );
    expect(response.statusCode).toBe(404);
    expect(response.body.error).toBe('not-found');
    expect(
      commandsOf(h.localSsm, 'DisconnectSession').some(
        (c) => c.parameters.SessionId?.[0] === '4321'
      )
    ).toBe(false);
    const list = await h.invoke(
      Object.assign(sample('list-actions-by-ticket'), {
        queryStringParameters: { ticketId },
      })
    );
    expect(list.body.items).toEqual([]);
  });

  it('shows a notification in the session', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\reader' });
    const response = await h.invoke(
      postWith('post-action-notify', {
        instanceId: host,
        sessionId,
        userName: 'reader',
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    await h.settle();
    expect(h.fleet.host(host).notifications).toContainEqual(
      expect.objectContaining({
        sessionId,
        message: 'Maintenance at 18:00, please save your work',
        seconds: 120,
      })
    );
    expect((await h.action(String(response.body.actionId)))?.status).toBe('succeeded');
  });

  it('closes exactly the files whose path matches, ignoring case', async () => {
    const target = 'D:\\Shares\\Finance\\Locked Budget.xlsx';
    const keep = 'D:\\Shares\\Finance\\Other Budget.xlsx';
    const fileId = h.fleet.addOpenFile(fileServer, {
      path: target,
      clientComputerName: 'WS-0101',
      user: 'CORP\\carol',
    });
    const keptId = h.fleet.addOpenFile(fileServer, {
      path: keep,
      clientComputerName: 'WS-0101',
      user: 'CORP\\carol',
    });
    const response = await h.invoke(
      postWith('post-action-close-file-by-path', {
        instanceId: fileServer,
        path: target.toUpperCase(),
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    expect(response.body.actions).toEqual([
      { actionId: response.body.actionId, status: 'dispatched', created: true },
    ]);
    const action = await h.action(String(response.body.actionId));
    expect(action?.target).toEqual({ kind: 'file', fileId, expectedPath: target });
    await h.settle();
    const files = h.fleet.host(fileServer).openFiles.map((f) => f.fileId);
    expect(files).not.toContain(fileId);
    expect(files).toContain(keptId);
    expect((await h.action(String(response.body.actionId)))?.status).toBe('succeeded');
  });

  it('closes a file by id after reading its path from the host', async () => {
    const path = 'D:\\Shares\\HR\\Reviews.docx';
    const fileId = h.fleet.addOpenFile(fileServer, {
      path,
      clientComputerName: 'WS-0102',
      user: 'CORP\\dave',
    });
    const response = await h.invoke(
      postWith('post-action-close-file-by-id', {
        instanceId: fileServer,
        fileId,
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    expect(response.body).not.toHaveProperty('actions');
    expect((await h.action(String(response.body.actionId)))?.target).toEqual({
      kind: 'file',
      fileId,
      expectedPath: path,
    });
    await h.settle();
    expect(h.fleet.host(fileServer).openFiles.map((f) => f.fileId)).not.toContain(fileId);
  });

  it('answers 404 when no open file has the path', async () => {
    const response = await h.invoke(
      postWith('post-action-close-file-by-path', {
        instanceId: fileServer,
        path: 'D:\\Shares\\Nothing\\here.txt',
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(404);
    expect(
      commandsOf(h.localSsm, 'CloseOpenFile').some((c) =>
        c.parameters.ExpectedPath?.[0]?.includes('Nothing')
      )
    ).toBe(false);
  });

  it('ends the SMB sessions of a client and user', async () => {
    h.fleet.addSmbSession(fileServer, { clientComputerName: 'WS-0042', user: 'CORP\\bob' });
    const response = await h.invoke(
      postWith('post-action-end-smb-session', {
        instanceId: fileServer,
        clientName: '\\\\WS-0042',
        ticketId: nextTicket(),
      })
    );
    expect(response.statusCode).toBe(202);
    await h.settle();
    expect(
      h.fleet.host(fileServer).smbSessions.some((s) => s.clientComputerName === 'WS-0042')
    ).toBe(false);
    const action = await h.action(String(response.body.actionId));
    expect(action).toMatchObject({
      status: 'succeeded',
      target: { kind: 'smb', clientName: 'WS-0042', userName: 'CORP\\bob' },
    });
  });

  it('refuses a host without the managed tag with 403 and an unknown host with 404', async () => {
    const before = h.localSsm.commands().length;
    const lab = h.hostId('RDSH-LAB-01');
    const unmanaged = await h.invoke(
      postWith('post-action-logoff', { instanceId: lab, ticketId: nextTicket() })
    );
    expect(unmanaged.statusCode).toBe(403);
    expect(unmanaged.body.error).toBe('forbidden');
    const unknown = await h.invoke(
      postWith('post-action-logoff', { instanceId: 'i-0123456789abcdef0', ticketId: nextTicket() })
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error).toBe('not-found');
    expect(h.localSsm.commands().length).toBe(before);
  });
});
