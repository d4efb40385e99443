import { GetCommandInvocationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { type HostEnvelope, hostEnvelopeSchema } from '../../lib/ssm/host-contract.js';
import { type E2e, startE2e } from './harness.js';
import { realScriptRuns } from './pwsh.js';

/*
 * The whole runtime with `--host-script pwsh`: every SSM invocation runs the document's real
 * script under pwsh, against fake Windows tools and cmdlets backed by the simulated hosts.
 * Thresholds far above what the demo fleet's own users reach keep the sweep to the sessions
 * these tests add, so that few scripts run (each costs a pwsh start).
 */
const POLICY = {
  version: 1,
  userGroups: { 'service-accounts': ['svc_*'] },
  default: {
    disconnectIdleMinutes: 20_000,
    logoffDisconnectedMinutes: 20_000,
    exclude: { groups: ['service-accounts'] },
    maxActionsPerHost: 50,
  },
  groups: { 'file-servers': { disconnectIdleMinutes: null, logoffDisconnectedMinutes: null } },
};

const runs = await realScriptRuns('e2e with the real host script');
// Each test waits for several pwsh processes (~2 CPU-s each to start): on a loaded 2-core machine
// the sweep's took 42 s.
vi.setConfig({ testTimeout: 90_000 });
let e2e: E2e;

beforeAll(async () => {
  if (!runs) return;
  // The first seven default hosts: six session hosts and the file server FS-DE-01.
  e2e = await startE2e(POLICY, { hostScript: 'pwsh', fleet: 7 });
  // Only the hosts these tests use answer: the sweep then lists three hosts, not seven.
  for (const name of ['RDSH-US-01', 'RDSH-ES-01', 'RDSH-RU-01', 'RDSH-JP-01']) {
    e2e.runtime.fleet.setPingStatus(e2e.hostId(name), 'ConnectionLost');
  }
});
afterAll(async () => {
  await e2e?.stop();
});

async function actionOf(id: unknown): Promise<Action> {
  const action = await e2e.runtime.ledger.getAction(String(id));
  if (!action) throw new Error(`no action ${String(id)}`);
  return action;
}

/** The envelope the script printed, read back from SSM as the functions read it. */
async function envelopeOf(commandId: string | null | undefined, instanceId: string) {
  const ssm = new SSMClient({ endpoint: e2e.runtime.ssmEndpoint });
  const invocation = await ssm.send(
    new GetCommandInvocationCommand({ CommandId: commandId ?? '', InstanceId: instanceId })
  );
  ssm.destroy();
  return hostEnvelopeSchema.parse(JSON.parse(invocation.StandardOutputContent ?? ''));
}

describe.runIf(runs)('the runtime with the real host script', () => {
  it('sweeps: the script disconnects an idle session and logs a disconnected one off', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-FR-01');
    const idle = runtime.fleet.addSession(host, { user: 'CORP\\e2e.idle', idleMinutes: 25_000 });
    const gone = runtime.fleet.addSession(host, {
      user: 'CORP\\e2e.gone',
      state: 'disconnected',
      idleMinutes: 25_000,
    });

    await runtime.sweepNow(runtime.fleet.now());
    await runtime.settle();

    const actions = (await runtime.ledger.listByHost(host, { limit: 50, order: 'asc' })).items;
    const acted = actions.filter((a) => a.status !== 'skipped');
    const outcome = (a: Action) => [a.operation, a.target, a.status, a.result?.exitCode];
    const session = (sessionId: number, expectedUser: string) =>
      expect.objectContaining({ kind: 'session', sessionId, expectedUser });
    expect(acted.map(outcome).sort()).toEqual([
      ['disconnect', session(idle, 'e2e.idle'), 'succeeded', 0],
      ['logoff', session(gone, 'e2e.gone'), 'succeeded', 0],
    ]);
    const sessions = runtime.fleet.host(host).sessions;
    expect(sessions.find((s) => s.id === idle)).toMatchObject({
      state: 'disconnected',
      sessionName: null,
    });
    expect(sessions.map((s) => s.id)).not.toContain(gone);
    // The sweep planned from the real script's listing: quser through Invoke-Native, fr-FR.
    const listing = runtime.ssm
      .commands()
      .find((c) => c.parameters.Operation?.[0] === 'ListSessions' && c.instanceIds.includes(host));
    const envelope: HostEnvelope = await envelopeOf(listing?.commandId, host);
    expect(envelope).toMatchObject({
      operation: 'ListSessions',
      exitCode: 0,
      culture: 'fr-FR',
      shortDatePattern: 'dd/MM/yyyy',
      utcOffsetMinutes: 60,
    });
    // The host's own (simulated) clock when the script ran: after the command was requested, by
    // now at the latest, to the second as the script prints it.
    const second = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;
    expect(envelope.hostTimeUtc >= second(listing?.requestedAt ?? new Date(0))).toBe(true);
    expect(envelope.hostTimeUtc <= second(runtime.fleet.now())).toBe(true);
    expect(envelope.stdout).toMatch(
      /^ UTILISATEUR +SESSION +ID +ÉTAT .*\r\n Administrator +console/
    );
  });

  it('refuses a ticket logoff whose session now belongs to someone else: guard user-mismatch', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-DE-01');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.owner' });

    const response = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'logoff',
        instanceId: host,
        sessionId,
        userName: 'e2e.someone.else',
        ticketId: 'PWSH-1',
        reason: 'wrong user on purpose',
      },
    });
    expect(response.status).toBe(202);
    await runtime.settle();

    const action = await actionOf(response.body.actionId);
    expect(action).toMatchObject({
      status: 'skipped',
      result: { exitCode: 21, errorCode: 'guard:user-mismatch' },
    });
    expect((await envelopeOf(action.commandId, host)).guard?.message).toBe(
      `Session ${sessionId} belongs to CORP\\e2e.owner, not to the expected user.`
    );
    expect(runtime.fleet.host(host).sessions.map((s) => s.id)).toContain(sessionId);

    // The same session with its real owner: the script logs it off.
    const right = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'logoff',
        instanceId: host,
        sessionId,
        userName: 'CORP\\E2E.OWNER',
        ticketId: 'PWSH-2',
        reason: 'the right user this time',
      },
    });
    await runtime.settle();
    expect(await actionOf(right.body.actionId)).toMatchObject({
      status: 'succeeded',
      result: { exitCode: 0 },
    });
    expect(runtime.fleet.host(host).sessions.map((s) => s.id)).not.toContain(sessionId);
  });

  it('closes a file by path and ends the SMB sessions of a user', async () => {
    const { runtime } = e2e;
    const { fleet } = runtime;
    const host = e2e.hostId('FS-DE-01');
    const locked = fleet.addOpenFile(host, {
      path: 'D:\\Shares\\Finanzen\\Jahresabschluss 2026.xlsx',
      clientComputerName: 'PC-PWSH-1',
      user: 'e2e.holder',
    });
    const other = fleet.addOpenFile(host, {
      path: 'D:\\Shares\\Finanzen\\Budget.xlsx',
      clientComputerName: 'PC-PWSH-2',
      user: 'e2e.leaver',
    });

    const byPath = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'close-file',
        instanceId: host,
        path: 'd:\\shares\\finanzen\\JAHRESABSCHLUSS 2026.xlsx',
        ticketId: 'PWSH-3',
        reason: 'file locked',
      },
    });
    expect(byPath.status).toBe(202);
    await runtime.settle();
    expect(await e2e.ticketActions('PWSH-3')).toMatchObject([
      {
        operation: 'close-file',
        status: 'succeeded',
        target: { kind: 'file', fileId: locked },
        result: { exitCode: 0 },
      },
    ]);
    let open = fleet.host(host).openFiles.map((f) => f.fileId);
    expect(open).not.toContain(locked);
    expect(open).toContain(other);

    const ended = await e2e.call('POST', '/v1/actions', {
      body: {
        operation: 'end-smb-session',
        instanceId: host,
        userName: 'CORP\\e2e.leaver',
        ticketId: 'PWSH-4',
        reason: 'left the company',
      },
    });
    expect(ended.status).toBe(202);
    await runtime.settle();
    const [end] = await e2e.ticketActions('PWSH-4');
    expect(end).toMatchObject({ status: 'succeeded', result: { exitCode: 0 } });
    // The script printed what it closed, as Select-SmbSession shapes it.
    const closed = await envelopeOf(end?.commandId, host);
    expect(JSON.parse(closed.stdout)).toMatchObject([
      { ClientComputerName: 'PC-PWSH-2', ClientUserName: 'CORP\\e2e.leaver', NumOpens: 1 },
    ]);
    open = fleet.host(host).openFiles.map((f) => f.fileId);
    expect(open).not.toContain(other);
    expect(fleet.host(host).smbSessions.map((s) => s.clientUserName)).not.toContain(
      'CORP\\e2e.leaver'
    );
  });
});
