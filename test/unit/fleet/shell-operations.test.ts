import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../lib/ssm/host-contract.js';
import { shellListingOf } from '../../../lib/ssm/listing.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import { call, stillFleet } from './fleet-helpers.js';

/** A still fleet whose RDSH-US-01 holds only the shells a test opens. */
async function noShells() {
  const setup = stillFleet();
  for (const shell of setup.fleet.host(setup.rdsh).shells) {
    const { run } = await call(setup.fleet, setup.rdsh, {
      Operation: 'EndShell',
      ShellId: shell.shellId,
      ExpectedOwner: shell.owner,
    });
    expect(run.exitCode).toBe(EXIT.ok);
  }
  return setup;
}

describe('shells on the simulated fleet', () => {
  it('lists every shell as the script does, and lib/ssm reads it', async () => {
    const { fleet, rdsh } = await noShells();
    const id = fleet.addShell(rdsh, {
      owner: 'CORP\\adm.ops',
      state: 'Disconnected',
      inactiveMinutes: 45,
      openMinutes: 60,
      childProcesses: 2,
    });
    fleet.addShell(rdsh, { owner: 'svc_deploy', kind: 'winrs', bufferMode: 'Drop' });
    const { envelope } = await call(fleet, rdsh, { Operation: 'ListShells' });
    const listing = shellListingOf(envelope);
    expect(listing).toMatchObject({
      kind: 'listed',
      warnings: [],
      rows: [
        {
          shellId: id,
          kind: 'powershell',
          owner: 'CORP\\adm.ops',
          state: 'disconnected',
          inactivitySeconds: 45 * 60,
          runTimeSeconds: 60 * 60,
          idleTimeoutSeconds: 7200,
          bufferMode: 'block',
          childProcesses: 2,
        },
        { kind: 'winrs', owner: 'CORP\\svc_deploy', bufferMode: 'drop', idleTimeoutSeconds: 180 },
      ],
    });
  });

  it('goes idle, disconnects and reconnects over simulated time, and WinRM ends a shell past its IdleTimeOut', async () => {
    const { fleet, rdsh } = await noShells();
    const id = fleet.addShell(rdsh, { owner: 'adm.ops', idleTimeoutMinutes: 30 });
    fleet.advance(20);
    expect(fleet.host(rdsh).shells).toMatchObject([{ state: 'Connected', inactiveMinutes: 20 }]);
    fleet.setShellState(rdsh, id, 'Disconnected');
    fleet.advance(5);
    fleet.setShellState(rdsh, id, 'Connected');
    expect(fleet.host(rdsh).shells).toMatchObject([{ state: 'Connected', inactiveMinutes: 0 }]);
    fleet.advance(29);
    expect(fleet.host(rdsh).shells).toHaveLength(1);
    fleet.advance(1);
    expect(fleet.host(rdsh).shells).toEqual([]);
  });

  it('lets live shells move on their own: a Block shell keeps its command while disconnected', () => {
    const fleet = createFleet({ seed: 5, hosts: 7, durationScale: 0 });
    const rdsh = fleet.instances().find((i) => i.computerName === 'RDSH-US-01')?.instanceId ?? '';
    const id = fleet.addShell(rdsh, {
      owner: 'adm.ops',
      state: 'Disconnected',
      bufferMode: 'Block',
      childProcesses: 3,
      idleTimeoutMinutes: 24 * 60,
      live: true,
    });
    let connected = false;
    for (let minute = 0; minute < 600 && !connected; minute++) {
      fleet.advance(1);
      const shell = fleet.host(rdsh).shells.find((s) => s.shellId === id);
      connected = shell?.state === 'Connected';
      if (!connected) expect(shell?.childProcesses).toBe(3);
    }
    expect(connected).toBe(true);
  });

  it('EndShell ends the shell and says how, and a second EndShell finds nothing', async () => {
    const { fleet, rdsh } = await noShells();
    const id = fleet.addShell(rdsh, { owner: 'CORP\\adm.ops', childProcesses: 1 });
    const first = await call(fleet, rdsh, {
      Operation: 'EndShell',
      ShellId: id,
      ExpectedOwner: 'adm.ops',
    });
    expect(first.envelope).toMatchObject({
      exitCode: EXIT.ok,
      readBack: { state: 'gone', confirmed: true },
      shellEnd: { outcome: 'ended-ungraceful', state: 'Connected', childProcesses: '1' },
    });
    expect(fleet.host(rdsh).shells).toEqual([]);
    const again = await call(fleet, rdsh, {
      Operation: 'EndShell',
      ShellId: id,
      ExpectedOwner: 'adm.ops',
    });
    expect(again.run.exitCode).toBe(EXIT.guardShellNotFound);
    expect(again.envelope.guard?.code).toBe('shell-not-found');
  });

  it('opens new shells on session hosts over time, so a long run keeps some', () => {
    const fleet = createFleet({ seed: 5, hosts: 7, durationScale: 0 });
    const shellsOf = () =>
      fleet.instances().map((i) => ({ role: i.role, shells: fleet.host(i.instanceId).shells }));
    const atStart = new Set(shellsOf().flatMap((h) => h.shells.map((s) => s.shellId)));
    fleet.advance(24 * 60);
    const later = shellsOf();
    const sessionHosts = later.filter((h) => h.role === 'session-host');
    expect(
      sessionHosts.flatMap((h) => h.shells).filter((s) => !atStart.has(s.shellId))
    ).not.toEqual([]);
    expect(later.filter((h) => h.role !== 'session-host').flatMap((h) => h.shells)).toEqual([]);
  });

  it('populates the demo fleet with shells of both kinds, some Disconnected', () => {
    const fleet = createFleet({ seed: 1 });
    const shells = fleet.instances().flatMap((i) => fleet.host(i.instanceId).shells);
    expect(new Set(shells.map((s) => s.kind))).toEqual(new Set(['powershell', 'winrs']));
    expect(shells.some((s) => s.state === 'Disconnected')).toBe(true);
  });
});
