import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { SHARE_PATHS } from '../../local/fleet/default-fleet.js';
import { type E2e, startE2e } from './harness.js';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.stop();
});

describe('a ticket action through the API', () => {
  it('logs a session off: the action succeeds, the session is gone and the ledger tells it all', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-DE-02');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.stuck', idleMinutes: 3 });
    const before = runtime.ssm.commands().length;

    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'logoff',
        instanceId: host,
        sessionId,
        ticketId: 'INC-1001',
        reason: 'session stuck after a crash',
      },
    });
    expect(response).toMatchObject({ status: 202, body: { status: 'dispatched', created: true } });
    const actionId = String(response.body.actionId);
    await runtime.settle();

    expect(runtime.fleet.host(host).sessions.map((s) => s.id)).not.toContain(sessionId);

    const read = await e2e.call('GET', `/v1/actions/${actionId}`);
    expect(read.status).toBe(200);
    const action = read.body as unknown as Action;
    expect(action).toMatchObject({
      id: actionId,
      operation: 'logoff',
      instanceId: host,
      status: 'succeeded',
      // The user was read from the host before acting, and the host checked it again.
      target: { kind: 'session', sessionId, expectedUser: 'e2e.stuck' },
      trigger: { kind: 'api', ticketId: 'INC-1001', caller: 'local-operator' },
      reason: 'session stuck after a crash',
      policy: null,
      dryRun: false,
      result: { exitCode: 0, errorCode: null },
    });
    const { planned, dispatched, succeeded } = action.timestamps;
    expect(planned && dispatched && succeeded).toBeTruthy();
    expect([planned, dispatched, succeeded]).toEqual(
      [planned, dispatched, succeeded].slice().sort()
    );

    // One listing to learn the user, one logoff carrying the action id and the checked user.
    const sent = runtime.ssm.commands().slice(before);
    expect(sent.map((c) => c.parameters.Operation?.[0])).toEqual(['ListSessions', 'LogoffSession']);
    const logoff = sent[1];
    expect(logoff).toMatchObject({
      commandId: action.commandId,
      instanceIds: [host],
      parameters: { SessionId: [String(sessionId)], ExpectedUser: ['e2e.stuck'] },
    });
    expect(logoff?.comment).toContain(actionId);

    const byTicket = await e2e.call('GET', '/v1/actions?ticketId=INC-1001');
    expect(byTicket).toMatchObject({ status: 200, body: { items: [{ id: actionId }] } });
    const byHost = await e2e.call('GET', `/v1/actions?instanceId=${host}`);
    expect((byHost.body.items as Action[]).map((a) => a.id)).toContain(actionId);
    expect(await runtime.ledger.getAction(actionId)).toEqual(action);
  });

  it('answers a repeat of a finished request with the same action and sends nothing', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-FR-01');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.again' });
    const body = {
      operation: 'logoff',
      instanceId: host,
      sessionId,
      ticketId: 'INC-1002',
      reason: 'logged on twice',
    };
    const first = await e2e.call('POST', '/v1/actions', { body });
    await runtime.settle();
    const commands = runtime.ssm.commands().length;

    const repeat = await e2e.call('POST', '/v1/actions', { body });
    expect(repeat).toMatchObject({
      status: 202,
      body: { actionId: first.body.actionId, status: 'succeeded', created: false },
    });
    await runtime.settle();
    expect(runtime.ssm.commands().length).toBe(commands);
    expect(await e2e.ticketActions('INC-1002')).toHaveLength(1);
  });

  it('records one action and sends one command for 20 identical concurrent requests', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-ES-01');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.burst', idleMinutes: 9 });
    const before = runtime.ssm.commands().length;
    const body = {
      operation: 'disconnect',
      instanceId: host,
      sessionId,
      userName: 'e2e.burst',
      ticketId: 'INC-1003',
      reason: 'user asked twice, help desk clicked 20 times',
    };

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => e2e.call('POST', '/v1/actions', { body }))
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(new Set(responses.map((r) => r.body.actionId)).size).toBe(1);
    expect(responses.filter((r) => r.body.created === true)).toHaveLength(1);
    await runtime.settle();

    const sent = runtime.ssm.commands().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.parameters.Operation).toEqual(['DisconnectSession']);
    const actions = await e2e.ticketActions('INC-1003');
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ status: 'succeeded', commandId: sent[0]?.commandId });
    const session = runtime.fleet.host(host).sessions.find((s) => s.id === sessionId);
    expect(session).toMatchObject({ state: 'disconnected', userName: 'e2e.burst' });
  });

  it('sends one action command for 20 concurrent requests that leave the user to the host', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-RU-01');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.lookup', idleMinutes: 4 });
    const actionsBefore = e2e.actionCommands();
    const body = {
      operation: 'logoff',
      instanceId: host,
      sessionId,
      ticketId: 'INC-1004',
      reason: 'frozen session',
    };

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => e2e.call('POST', '/v1/actions', { body }))
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(new Set(responses.map((r) => r.body.actionId)).size).toBe(1);
    await runtime.settle();

    expect(e2e.actionCommands() - actionsBefore).toBe(1);
    expect(await e2e.ticketActions('INC-1004')).toMatchObject([{ status: 'succeeded' }]);
    expect(runtime.fleet.host(host).sessions.map((s) => s.id)).not.toContain(sessionId);
  });
});

describe('close-file by path', () => {
  it('closes exactly the handles open on that path and leaves every other file open', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('FS-DE-01');
    const path = 'D:\\Shares\\Finance\\E2E Forecast.xlsx';
    const target = [
      runtime.fleet.addOpenFile(host, { path, clientComputerName: '10.0.1.21', user: 'e2e.one' }),
      runtime.fleet.addOpenFile(host, { path, clientComputerName: '10.0.1.22', user: 'e2e.two' }),
    ];
    // Near misses: another folder, a longer name, a prefix.
    const others = [
      'D:\\Shares\\HR\\E2E Forecast.xlsx',
      'D:\\Shares\\Finance\\E2E Forecast.xlsx.bak',
      'D:\\Shares\\Finance\\E2E Forecast',
    ].map((p) =>
      runtime.fleet.addOpenFile(host, {
        path: p,
        clientComputerName: '10.0.1.23',
        user: 'e2e.three',
      })
    );
    const openBefore = runtime.fleet.host(host).openFiles.map((f) => f.fileId);
    const fileServer2 = runtime.fleet.host(e2e.hostId('FS-US-01')).openFiles.length;

    const request = {
      operation: 'close-file',
      instanceId: host,
      // Windows paths are case-insensitive; so is the match.
      path: path.toUpperCase(),
      ticketId: 'INC-2001',
      reason: 'Excel says the file is locked by another user',
    };
    // Two users hold it: the API asks first, and closes nothing until it is told to.
    const asked = await e2e.call('POST', '/v1/actions', { body: request });
    expect(asked).toMatchObject({ status: 409, body: { error: 'confirmation-required' } });
    expect(runtime.fleet.host(host).openFiles.map((f) => f.fileId)).toEqual(openBefore);
    const response = await e2e.call('POST', '/v1/actions', { body: { ...request, confirm: true } });
    expect(response).toMatchObject({ status: 202, body: { created: true } });
    expect(response.body.actions).toHaveLength(2);
    await runtime.settle();

    const openAfter = runtime.fleet.host(host).openFiles.map((f) => f.fileId);
    expect(openAfter.sort()).toEqual(openBefore.filter((id) => !target.includes(id)).sort());
    for (const id of others) expect(openAfter).toContain(id);
    expect(runtime.fleet.host(e2e.hostId('FS-US-01')).openFiles).toHaveLength(fileServer2);

    const actions = await e2e.ticketActions('INC-2001');
    expect(actions.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
    // The ledger keeps the path as the host spells it, not as the request typed it.
    expect(actions.map((a) => a.target)).toEqual(
      expect.arrayContaining(target.map((fileId) => ({ kind: 'file', fileId, expectedPath: path })))
    );
  });

  it("closes the demo fleet's O'Brien Campaign.pptx and ends O'Brien's SMB sessions", async () => {
    // ' $ % are common in real file names, ' in real user names; they reach the host only as
    // environment variables that the script compares as strings, never as script text.
    const { runtime } = e2e;
    const host = e2e.hostId('FS-US-01');
    const path = SHARE_PATHS.find((candidate) => candidate.includes("O'Brien")) ?? '';
    const held = runtime.fleet.addOpenFile(host, {
      path,
      clientComputerName: '10.0.1.31',
      user: "CORP\\d.o'brien",
    });
    const odd = "D:\\Shares\\Marketing\\$Budget 100% (O'Brien).xlsx";
    const oddId = runtime.fleet.addOpenFile(host, {
      path: odd,
      clientComputerName: '10.0.1.32',
      user: 'e2e.other',
    });
    // Other demo users may hold the same file: confirmed, as the API asks for it then.
    const closeFile = (filePath: string, ticketId: string) =>
      e2e.call('POST', '/v1/actions', {
        body: {
          operation: 'close-file',
          instanceId: host,
          path: filePath,
          ticketId,
          reason: 'locked',
          confirm: true,
        },
      });
    expect(await closeFile(path, 'INC-2003')).toMatchObject({ status: 202 });
    expect(await closeFile(odd, 'INC-2004')).toMatchObject({ status: 202 });
    const ended = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'end-smb-session',
        instanceId: host,
        userName: "CORP\\D.O'Brien",
        ticketId: 'INC-2005',
        reason: 'left the company',
      },
    });
    expect(ended).toMatchObject({ status: 202 });
    await runtime.settle();

    const open = runtime.fleet.host(host).openFiles;
    expect(open.map((f) => f.path)).not.toContain(path);
    expect(open.map((f) => f.fileId)).not.toContain(held);
    expect(open.map((f) => f.fileId)).not.toContain(oddId);
    expect(runtime.fleet.host(host).smbSessions.map((s) => s.clientUserName)).not.toContain(
      "CORP\\d.o'brien"
    );
    for (const ticket of ['INC-2003', 'INC-2004', 'INC-2005']) {
      const actions = await e2e.ticketActions(ticket);
      expect(actions.length, ticket).toBeGreaterThan(0);
      for (const action of actions) expect(action.status, ticket).toBe('succeeded');
    }
    expect((await e2e.ticketActions('INC-2004'))[0]?.target).toMatchObject({ expectedPath: odd });
  });

  it('answers 404 for a path nobody has open and records nothing', async () => {
    const host = e2e.hostId('FS-US-01');
    const actionsBefore = e2e.actionCommands();
    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'close-file',
        instanceId: host,
        path: 'D:\\Shares\\Nobody\\here.txt',
        ticketId: 'INC-2002',
        reason: 'file locked',
      },
    });
    expect(response).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(e2e.actionCommands()).toBe(actionsBefore);
    expect(await e2e.ticketActions('INC-2002')).toEqual([]);
  });
});
