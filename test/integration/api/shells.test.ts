import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiEvent,
  type ApiHarness,
  commandsOf,
  sample,
  startApiHarness,
  withPath,
  withScope,
} from './harness.js';

/** Remote shells through the `api` handler: its host queries and what it records. */
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ hostQueryTimeoutMs: 2000 });
});
afterAll(() => h.close());

const shellsOf = (instanceId: string) =>
  withPath(sample('get-host-sessions'), `/v1/hosts/${instanceId}/shells`, { instanceId });

function endShell(body: Record<string, unknown>): ApiEvent {
  const event = sample('post-action-logoff');
  event.body = JSON.stringify({ operation: 'end-shell', reason: 'abandoned remote job', ...body });
  return withScope(event, 'session-janitor/shells');
}

describe('POST /v1/actions end-shell', () => {
  it('takes an explicit owner as what the host checks, without asking the host first', async () => {
    const instanceId = h.hostId('RDSH-US-01');
    const shellId = h.fleet.addShell(instanceId, { owner: 'CORP\\adm.ops', state: 'Disconnected' });
    const listingsBefore = commandsOf(h.localSsm, 'ListShells').length;
    const response = await h.invoke(
      endShell({ instanceId, shellId, owner: 'adm.ops', ticketId: 'INC-1410' })
    );
    expect(response.statusCode).toBe(202);
    expect(commandsOf(h.localSsm, 'ListShells').length).toBe(listingsBefore);
    await h.settle();
    const action = await h.action(String(response.body.actionId));
    expect(action).toMatchObject({
      status: 'succeeded',
      target: { kind: 'shell', shellId, expectedOwner: 'adm.ops' },
    });
    const [sent] = commandsOf(h.localSsm, 'EndShell').filter(
      (c) => c.commandId === action?.commandId
    );
    expect(sent?.parameters.ExpectedOwner).toEqual(['adm.ops']);
  });

  it('answers 404 for a shell the host does not have, and sends no end', async () => {
    const instanceId = h.hostId('RDSH-US-01');
    const ends = commandsOf(h.localSsm, 'EndShell').length;
    const response = await h.invoke(
      endShell({
        instanceId,
        shellId: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
        ticketId: 'INC-1411',
      })
    );
    expect(response).toMatchObject({ statusCode: 404, body: { error: 'not-found' } });
    expect(commandsOf(h.localSsm, 'EndShell').length).toBe(ends);
  });

  it('answers 502 host-error for a shell that shows no owner: it is never ended blind', async () => {
    const instanceId = h.hostId('RDSH-FR-01');
    const shellId = h.fleet.addShell(instanceId, {
      owner: 'CORP\\hidden',
      state: 'Disconnected',
      withoutFields: ['Owner'],
    });
    const ends = commandsOf(h.localSsm, 'EndShell').length;
    const response = await h.invoke(endShell({ instanceId, shellId, ticketId: 'INC-1412' }));
    expect(response).toMatchObject({ statusCode: 502, body: { error: 'host-error' } });
    expect(String(response.body.message)).toContain('shows no owner');
    expect(commandsOf(h.localSsm, 'EndShell').length).toBe(ends);
  });
});

describe('GET /v1/hosts/{instanceId}/shells', () => {
  it('answers 502 host-error while WinRM does not answer, never an empty list', async () => {
    const instanceId = h.hostId('RDSH-ES-01');
    h.fleet.addShell(instanceId, { owner: 'CORP\\adm.ops' });
    h.fleet.setWinRmRunning(instanceId, false);
    try {
      const response = await h.invoke(shellsOf(instanceId));
      expect(response).toMatchObject({ statusCode: 502, body: { error: 'host-error' } });
    } finally {
      h.fleet.setWinRmRunning(instanceId, true);
    }
    const again = await h.invoke(shellsOf(instanceId));
    expect(again.statusCode).toBe(200);
    expect(again.body.shells).toEqual(
      expect.arrayContaining([expect.objectContaining({ owner: 'CORP\\adm.ops' })])
    );
    // Every field the README's API table names, and no other.
    for (const shell of again.body.shells as Record<string, unknown>[]) {
      expect(Object.keys(shell).sort()).toEqual(
        [
          'shellId',
          'kind',
          'resourceUri',
          'owner',
          'clientIp',
          'processId',
          'state',
          'inactivitySeconds',
          'runTimeSeconds',
          'idleTimeoutSeconds',
          'maxIdleTimeoutSeconds',
          'bufferMode',
          'childProcesses',
          'memoryUsedBytes',
        ].sort()
      );
    }
  });
});
