import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { type E2e, startE2e } from './harness.js';

/** Remote shells through the whole runtime: sweep → ListShells → policy → EndShell, and tickets. */
const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 500 },
  default: {
    maxActionsPerHost: 50,
    shells: { endDisconnectedAfterMinutes: 30, exclude: { owners: ['CORP\\svc_*'] } },
  },
};

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e(POLICY);
});
afterAll(async () => {
  await e2e?.stop();
});

async function shellActions(instanceId: string, shellId: string): Promise<Action[]> {
  const { items } = await e2e.runtime.ledger.listByHost(instanceId, { limit: 200, order: 'asc' });
  return items.filter((a) => a.target.kind === 'shell' && a.target.shellId === shellId);
}

describe('remote shells', () => {
  it('a sweep ends a shell disconnected past the policy as ended, and leaves an excluded owner and a reconnected client alone', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-US-01');
    const abandoned = runtime.fleet.addShell(host, {
      owner: 'CORP\\e2e.admin',
      state: 'Disconnected',
      bufferMode: 'Block',
      inactiveMinutes: 45,
      openMinutes: 200,
      childProcesses: 2,
    });
    const excluded = runtime.fleet.addShell(host, {
      owner: 'CORP\\svc_deploy',
      state: 'Disconnected',
      inactiveMinutes: 90,
    });
    const returned = runtime.fleet.addShell(host, {
      owner: 'CORP\\e2e.back',
      state: 'Disconnected',
      inactiveMinutes: 40,
    });
    // The client comes back before the sweep: Connect-PSSession, and the shell is busy again.
    runtime.fleet.setShellState(host, returned, 'Connected');

    const result = await runtime.sweepNow(runtime.fleet.now());
    await runtime.settle();
    expect(result.repeated).toBe(false);

    const [ended] = await shellActions(host, abandoned);
    expect(ended).toMatchObject({
      operation: 'end-shell',
      status: 'succeeded',
      target: { kind: 'shell', shellId: abandoned, expectedOwner: 'CORP\\e2e.admin' },
      trigger: { kind: 'schedule', sweepId: result.sweepId },
      policy: 'default',
      result: {
        exitCode: 0,
        errorCode: null,
        shellEnd: {
          outcome: 'ended',
          state: 'Disconnected',
          childProcesses: 2,
          // As the host saw it when it ended the shell: SSM's own delays pass simulated time.
          inactivitySeconds: expect.any(Number),
        },
      },
    });
    expect(ended?.reason).toContain('disconnected, inactive 45 min ≥ 30 min');
    expect(ended?.result?.shellEnd?.inactivitySeconds).toBeGreaterThanOrEqual(45 * 60);
    // The host is told what the plan saw: a client back by then is refused there (state-mismatch).
    expect(runtime.ssm.commands().find((c) => c.commandId === ended?.commandId)).toMatchObject({
      parameters: {
        Operation: ['EndShell'],
        ShellId: [abandoned],
        ExpectedOwner: ['CORP\\e2e.admin'],
        ExpectedShellState: ['Disconnected'],
        MinInactiveMinutes: ['30'],
      },
    });
    const [skipped] = await shellActions(host, excluded);
    expect(skipped).toMatchObject({
      status: 'skipped',
      result: { errorCode: 'policy:excluded' },
    });
    expect(await shellActions(host, returned)).toEqual([]);
    expect(runtime.fleet.host(host).shells.map((s) => s.shellId)).toEqual(
      expect.arrayContaining([excluded, returned])
    );
    expect(runtime.fleet.host(host).shells.map((s) => s.shellId)).not.toContain(abandoned);

    // The next sweep does not record the excluded owner's shell again.
    await runtime.sweepNow(runtime.fleet.now());
    await runtime.settle();
    expect(await shellActions(host, excluded)).toHaveLength(1);
  });

  it('a ticket ends a Connected shell running a command as ended-ungraceful, its owner read from the host', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-DE-01');
    const busy = runtime.fleet.addShell(host, { owner: 'CORP\\e2e.busy', childProcesses: 1 });

    const listed = await e2e.call('GET', `/v1/hosts/${host}/shells`);
    expect(listed.status).toBe(200);
    expect(listed.body.shells).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ shellId: busy, owner: 'CORP\\e2e.busy', state: 'connected' }),
      ])
    );

    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'end-shell',
        instanceId: host,
        shellId: busy.toLowerCase(),
        ticketId: 'INC-1401',
        reason: 'runaway remote job',
      },
    });
    expect(response).toMatchObject({ status: 202, body: { created: true } });
    await runtime.settle();
    const read = await e2e.call('GET', `/v1/actions/${String(response.body.actionId)}`);
    expect(read.body).toMatchObject({
      operation: 'end-shell',
      status: 'succeeded',
      target: { kind: 'shell', shellId: busy, expectedOwner: 'CORP\\e2e.busy' },
      trigger: { kind: 'api', ticketId: 'INC-1401' },
      result: { shellEnd: { outcome: 'ended-ungraceful', state: 'Connected', childProcesses: 1 } },
    });
    expect(runtime.fleet.host(host).shells.map((s) => s.shellId)).not.toContain(busy);
  });

  it("binds tickets to the policy's exclusions: an excluded owner's shell is 403 unless the request overrides it", async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-FR-01');
    const shellId = runtime.fleet.addShell(host, {
      owner: 'CORP\\svc_build',
      state: 'Disconnected',
    });
    const body = {
      operation: 'end-shell',
      instanceId: host,
      shellId,
      ticketId: 'INC-1403',
      reason: 'build agent stuck',
    };
    const before = e2e.actionCommands();
    expect(await e2e.call('POST', '/v1/actions', { body })).toMatchObject({
      status: 403,
      body: { error: 'excluded' },
    });
    expect(e2e.actionCommands()).toBe(before);
    const shellsOnly = await e2e.token(['session-janitor/shells']);
    const override = { ...body, override: 'exclusion' };
    expect(
      (await e2e.call('POST', '/v1/actions', { token: shellsOnly, body: override })).status
    ).toBe(403);
    const allowed = await e2e.call('POST', '/v1/actions', { body: override });
    expect(allowed.status).toBe(202);
    await runtime.settle();
    expect(await runtime.ledger.getAction(String(allowed.body.actionId))).toMatchObject({
      status: 'succeeded',
      trigger: { overrides: { exclusion: 'CORP\\svc_*' } },
    });
  });

  it('needs the shells scope to end one, and refuses a shell id that is no GUID with the field', async () => {
    const host = e2e.hostId('RDSH-DE-01');
    const body = {
      operation: 'end-shell',
      instanceId: host,
      shellId: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      ticketId: 'INC-1402',
      reason: 'scope check',
    };
    const before = e2e.actionCommands();
    const helpDesk = await e2e.token(['session-janitor/read', 'session-janitor/logoff']);
    expect((await e2e.call('POST', '/v1/actions', { token: helpDesk, body })).status).toBe(403);
    const bad = await e2e.call('POST', '/v1/actions', { body: { ...body, shellId: '{x}' } });
    expect(bad).toMatchObject({
      status: 400,
      body: { fields: [expect.objectContaining({ path: 'body.shellId' })] },
    });
    expect(e2e.actionCommands()).toBe(before);
  });
});
