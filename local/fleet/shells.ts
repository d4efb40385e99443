import { FleetError } from './errors.js';
import type { HostState, ShellState } from './host-state.js';
import { MINUTE_MS, splitAccount } from './host-state.js';
import type { Prng } from './prng.js';
import type { AddShellInput, ProcessObject, ShellObject } from './types.js';

/*
 * WinRM shells on a simulated host: PowerShell remoting and winrs shells that clients open, use,
 * leave idle, disconnect from and reconnect to, with the fields `Get-WSManInstance -ResourceURI
 * shell -Enumerate` shows for them (windows-facts §13.1: every value a string, durations ISO 8601).
 * WinRM itself ends a shell once it was inactive for its IdleTimeOut.
 */

export const RESOURCE_URIS = {
  powershell: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell',
  winrs: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd',
} as const;

/** The Microsoft.PowerShell endpoint's and winrs' defaults (windows-facts §13.1, [PSD-DPS], [W32-QUOTAS]). */
const DEFAULT_IDLE_TIMEOUT_MS = { powershell: 7_200_000, winrs: 180_000 } as const;
const MAX_IDLE_TIMEOUT_MS = 43_200_000;
const MEMORY_MB = { powershell: 48, winrs: 12 } as const;

/**
 * The processes SSM runs the script in (the script, ssm-document-worker, amazon-ssm-agent,
 * services, System): never a shell's. The stand-in's script process id is the first.
 */
export const SSM_PROCESS_CHAIN = [4712, 3128, 2440, 700, 4] as const;

/** Per simulated minute, for shells that live on their own. */
const ODDS = {
  clientGoesQuiet: 0.05,
  clientReturns: 0.04,
  disconnects: 0.01,
  reconnects: 0.01,
  commandEnds: 0.1,
  closes: 0.005,
  /** A session host's admin or tool opens a new one: without it a long run loses them all. */
  opens: 0.01,
};

function guid(prng: Prng): string {
  const hex = prng.hex(32).toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `xs:duration` as WinRM writes a shell's run time and inactivity: `P0DT0H1M46S`. */
function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  return `P${days}DT${hours}H${minutes}M${total % 60}S`;
}

/** `xs:duration` as WinRM writes a time-out: `PT7200.000S`. */
function timeout(ms: number): string {
  return `PT${(ms / 1000).toFixed(3)}S`;
}

export function addShell(
  host: HostState,
  input: AddShellInput,
  now: number,
  prng: Prng
): ShellState {
  const kind = input.kind ?? 'powershell';
  if (kind !== 'powershell' && kind !== 'winrs') {
    throw new FleetError('invalid-input', `Unknown shell kind ${String(kind)}`);
  }
  const inactiveMinutes = input.inactiveMinutes ?? 0;
  const openMinutes = input.openMinutes ?? inactiveMinutes;
  const children = input.childProcesses ?? 0;
  if (
    ![inactiveMinutes, openMinutes, children].every((n) => Number.isInteger(n) && n >= 0) ||
    openMinutes < inactiveMinutes
  ) {
    throw new FleetError(
      'invalid-input',
      'shell minutes and child processes are whole numbers, open ≥ inactive'
    );
  }
  const { domain, userName } = splitAccount(input.owner);
  let id = guid(prng);
  while (host.shells.has(id)) id = guid(prng);
  const shell: ShellState = {
    id,
    kind,
    owner: `${domain}\\${userName}`,
    clientIp: input.clientIp ?? `10.0.9.${prng.int(10, 250)}`,
    processId: input.processId ?? nextProcessId(host, prng),
    state: input.state ?? 'Connected',
    bufferMode: input.bufferMode ?? 'Block',
    createdAt: now - openMinutes * MINUTE_MS,
    lastActivityAt: now - inactiveMinutes * MINUTE_MS,
    idleTimeoutMs:
      input.idleTimeoutMinutes === undefined
        ? DEFAULT_IDLE_TIMEOUT_MS[kind]
        : input.idleTimeoutMinutes * MINUTE_MS,
    childProcesses: children,
    live: input.live ?? false,
    clientActive: input.clientActive ?? false,
    withoutFields: new Set(input.withoutFields ?? []),
  };
  host.shells.set(id, shell);
  return shell;
}

function nextProcessId(host: HostState, prng: Prng): number {
  const used = new Set<number>([
    ...SSM_PROCESS_CHAIN,
    ...[...host.shells.values()].map((s) => s.processId),
  ]);
  for (;;) {
    const id = prng.int(1_000, 30_000) * 4;
    if (!used.has(id)) return id;
  }
}

/** One shell's fields as `Get-WSManInstance` shows them, in the order WinRM lists them. */
export function shellObject(shell: ShellState, now: number): ShellObject {
  const fields: Record<string, string | null> = {
    ShellId: shell.id,
    Name: shell.kind === 'powershell' ? `WinRM${shell.processId % 10}` : null,
    ResourceUri: RESOURCE_URIS[shell.kind],
    Owner: shell.owner,
    ClientIP: shell.clientIp,
    ProcessId: String(shell.processId),
    IdleTimeOut: timeout(shell.idleTimeoutMs),
    InputStreams: shell.kind === 'powershell' ? 'stdin pr' : 'stdin',
    OutputStreams: shell.kind === 'powershell' ? 'stdout' : 'stdout stderr',
    MaxIdleTimeOut: timeout(MAX_IDLE_TIMEOUT_MS),
    Locale: 'en-US',
    DataLocale: 'en-US',
    CompressionMode: shell.kind === 'powershell' ? 'XpressCompression' : 'NoCompression',
    ProfileLoaded: 'Yes',
    Encoding: shell.kind === 'powershell' ? 'UTF8' : 'UTF16',
    BufferMode: shell.bufferMode,
    State: shell.state,
    ShellRunTime: elapsed(now - shell.createdAt),
    ShellInactivity: elapsed(now - shell.lastActivityAt),
    MemoryUsed: `${MEMORY_MB[shell.kind] + 4 * shell.childProcesses}MB`,
    ChildProcesses: String(shell.childProcesses),
  };
  for (const name of shell.withoutFields) if (name in fields) fields[name] = null;
  return fields;
}

export function sortedShells(host: HostState): ShellState[] {
  return [...host.shells.values()].sort(
    (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)
  );
}

const SSM_PROCESS_NAMES = [
  'powershell.exe',
  'ssm-document-worker.exe',
  'amazon-ssm-agent.exe',
  'services.exe',
  'System',
] as const;
/** A shell's host process, and what its commands run as. */
const SHELL_PROCESS_NAMES = {
  powershell: ['wsmprovhost.exe', 'powershell.exe'],
  winrs: ['winrshost.exe', 'cmd.exe'],
} as const;

/**
 * `Win32_Process` ProcessId, ParentProcessId and Name: SSM's chain below the script, and each
 * shell's host process (under svchost, as WinRM starts them) with its commands.
 */
export function processes(host: HostState, scriptProcessId: number): ProcessObject[] {
  const [, ...above] = SSM_PROCESS_CHAIN;
  const chain = [scriptProcessId, ...above];
  const rows: ProcessObject[] = chain.map((id, index) => ({
    ProcessId: id,
    ParentProcessId: chain[index + 1] ?? 0,
    Name: SSM_PROCESS_NAMES[index] ?? 'System',
  }));
  for (const shell of sortedShells(host)) {
    const [hostName, commandName] = SHELL_PROCESS_NAMES[shell.kind];
    rows.push({ ProcessId: shell.processId, ParentProcessId: 700, Name: hostName });
    for (let child = 1; child <= shell.childProcesses; child++) {
      rows.push({
        ProcessId: shell.processId + child,
        ParentProcessId: shell.processId,
        Name: commandName,
      });
    }
  }
  return rows;
}

/**
 * A minute of a host's shells: WinRM ends those inactive past their IdleTimeOut (also in a fleet
 * that does not live, since WinRM is no client); in a live fleet clients open new ones on session
 * hosts, send requests, go quiet, disconnect and reconnect, and commands end (a Block shell's
 * command waits on its full output buffer while nobody reads it).
 */
export function shellMinute(host: HostState, now: number, prng: Prng, live: boolean): void {
  // Drawn before the others, once a minute per session host: shells there come and go.
  if (live && host.instance.role === 'session-host' && prng.chance(ODDS.opens)) {
    openShell(host, now, prng);
  }
  for (const shell of sortedShells(host)) {
    if (now - shell.lastActivityAt >= shell.idleTimeoutMs) {
      host.shells.delete(shell.id);
      continue;
    }
    if (!live || !shell.live) continue;
    if (shell.state === 'Connected') {
      if (shell.clientActive) shell.lastActivityAt = now;
      if (prng.chance(shell.clientActive ? ODDS.clientGoesQuiet : ODDS.clientReturns))
        shell.clientActive = !shell.clientActive;
      if (prng.chance(ODDS.disconnects)) {
        shell.state = 'Disconnected';
        shell.clientActive = false;
      } else if (!shell.clientActive && prng.chance(ODDS.closes)) {
        host.shells.delete(shell.id);
        continue;
      }
    } else if (prng.chance(ODDS.reconnects)) {
      reconnect(shell, now);
    }
    const blocked = shell.state === 'Disconnected' && shell.bufferMode === 'Block';
    if (shell.childProcesses > 0 && !blocked && prng.chance(ODDS.commandEnds))
      shell.childProcesses--;
  }
}

/** `Connect-PSSession` from the client: the shell is its again, and active now. */
export function reconnect(shell: ShellState, now: number): void {
  shell.state = 'Connected';
  shell.lastActivityAt = now;
  shell.clientActive = true;
}

/** A shell a client opens now: connected, busy, sometimes with a command already running. */
function openShell(host: HostState, now: number, prng: Prng): void {
  addShell(
    host,
    {
      owner: prng.pick(host.userPool),
      kind: prng.chance(0.7) ? 'powershell' : 'winrs',
      bufferMode: prng.chance(0.5) ? 'Block' : 'Drop',
      childProcesses: prng.chance(0.4) ? 1 : 0,
      live: true,
      clientActive: true,
    },
    now,
    prng
  );
}

/**
 * The demo's shells on a session host: now and then an admin's PowerShell remoting session or a
 * tool's winrs shell, some left Disconnected (Block or Drop) with a command still running.
 */
export function populateShells(host: HostState, now: number, prng: Prng): void {
  const count = prng.int(0, 3);
  for (let i = 0; i < count; i++) {
    const kind = prng.chance(0.7) ? 'powershell' : 'winrs';
    const disconnected = kind === 'powershell' && prng.chance(0.5);
    const inactive = disconnected ? prng.int(20, 110) : prng.int(0, 40);
    addShell(
      host,
      {
        owner: prng.pick(host.userPool),
        kind,
        state: disconnected ? 'Disconnected' : 'Connected',
        bufferMode: prng.chance(0.5) ? 'Block' : 'Drop',
        inactiveMinutes: kind === 'winrs' ? Math.min(inactive, 2) : inactive,
        openMinutes: inactive + prng.int(5, 300),
        childProcesses: prng.chance(0.4) ? prng.int(1, 3) : 0,
        live: true,
        clientActive: !disconnected && prng.chance(0.5),
      },
      now,
      prng
    );
  }
}
