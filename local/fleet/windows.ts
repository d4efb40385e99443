import { CmdletError } from './errors.js';
import {
  type HostState,
  idleMinutes,
  type OpenFileState,
  openCount,
  type SessionState,
  shareRelativePath,
} from './host-state.js';
import { processes, shellObject, sortedShells } from './shells.js';
import { renderQuser } from './text-layout.js';
import type {
  NativeRun,
  SmbOpenFileObject,
  SmbSessionObject,
  WindowsCulture,
  WindowsHost,
  WtsSessionInfo,
} from './types.js';

/*
 * What Windows itself answers on a simulated host, below the document's script: the System32
 * tools (output, exit code, and what they change), the WTS queries and the SmbShare cmdlets.
 * Both scripts run against it: the TypeScript stand-in (`operations.ts`) and the real script
 * under pwsh, whose fake tools and cmdlets call it (`local/host-script/`).
 */

/** `WTS_INFO_CLASS` values the script queries. */
export const WTS_INFO = { UserName: 5, WinStationName: 6, DomainName: 7, ConnectState: 8 } as const;
/** `WTS_CONNECTSTATE_CLASS` values the simulated sessions take. */
export const WTS_STATE = { active: 0, disconnected: 4, listen: 6 } as const;
/** What `WTSGetActiveConsoleSessionId` returns when no session is attached to the console. */
export const NO_CONSOLE_SESSION = 0xffff_ffff;
/** Sessions that exist without a user: services (0) and the RDP listener (65536). */
const USERLESS_STATIONS: ReadonlyMap<number, string> = new Map([
  [0, 'Services'],
  [65536, 'RDP-Tcp'],
]);
const USERLESS_STATES: ReadonlyMap<number, number> = new Map([
  [0, WTS_STATE.disconnected],
  [65536, WTS_STATE.listen],
]);
/** Milliseconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
const FILETIME_EPOCH_MS = 11_644_473_600_000n;

/** Epoch milliseconds as a UTC FILETIME (100 ns units since 1601). */
export function fileTime(ms: number): bigint {
  return (BigInt(Math.floor(ms)) + FILETIME_EPOCH_MS) * 10_000n;
}
/** What `logoff.exe` / `tsdiscon.exe` exit with when they fail (windows-facts §17: non-zero). */
export const TS_TOOL_FAILURE = 1;

export interface WindowsEffects {
  /** A session ended (logged off): the fleet ends the SMB sessions it held elsewhere. */
  sessionEnded(host: HostState, session: SessionState): void;
  /** Ends an SMB session and every file it holds open. */
  closeSmbSession(host: HostState, id: bigint): void;
}

export function windowsHost(
  host: HostState,
  clock: () => number,
  effects: WindowsEffects
): WindowsHost {
  return {
    instanceId: host.instance.instanceId,
    culture: (): WindowsCulture => ({
      name: host.locale.culture,
      shortDatePattern: host.locale.shortDatePattern,
      shortTimePattern: host.locale.shortTimePattern,
    }),
    utcOffsetMinutes: () => host.utcOffsetMinutes,
    languageMode: () => host.languageMode,
    now: () => new Date(clock()),
    runTool: (name, args) => runTool(host, name, args, clock(), effects),
    wtsSessionExists: (id) => host.sessions.has(id) || USERLESS_STATIONS.has(id),
    wtsQueryText: (id, infoClass) => wtsText(host, id, infoClass),
    wtsActiveConsoleSessionId: () =>
      sortedSessions(host).find((s) => s.console)?.id ?? NO_CONSOLE_SESSION,
    wtsSessionInfo: (id) => wtsInfo(host, id, clock()),
    wtsSessionIds: () => [0, ...sortedSessions(host).map((s) => s.id), 65536],
    getSmbSession: () => smbSessions(host, clock()),
    getSmbOpenFile: () => [...host.openFiles.values()].sort(byId).map((f) => smbOpenFile(host, f)),
    closeSmbSession: (id) => {
      if (!host.smbSessions.has(id)) return false;
      effects.closeSmbSession(host, id);
      return true;
    },
    closeSmbOpenFile: (id) => host.openFiles.delete(id),
    wsmanShells: () => {
      winrmAnswers(host);
      return sortedShells(host).map((s) => shellObject(s, clock()));
    },
    removeWsmanShell: (shellId) => {
      winrmAnswers(host);
      const shell = [...host.shells.values()].find(
        (s) => s.id.toLowerCase() === shellId.toLowerCase()
      );
      return shell ? host.shells.delete(shell.id) : false;
    },
    processes: (scriptProcessId) => processes(host, scriptProcessId),
  };
}

/** The WSMan client's error for a WinRM service that does not answer (fault 2150858770). */
export const WINRM_NOT_ANSWERING =
  'The client cannot connect to the destination specified in the request. Verify that the service on the destination is running and is accepting requests. Consult the logs and documentation for the WS-Management service running on the destination, most commonly IIS or WinRM. If the destination is the WinRM service, run the following command on the destination to analyze and configure the WinRM service: "winrm quickconfig".';

function winrmAnswers(host: HostState): void {
  if (!host.winrmRunning) throw new CmdletError(WINRM_NOT_ANSWERING);
}

function wtsText(host: HostState, id: number, infoClass: number): string | null {
  const session = host.sessions.get(id);
  const userless = USERLESS_STATIONS.get(id);
  if (!session && userless === undefined) return null;
  switch (infoClass) {
    case WTS_INFO.UserName:
      return session?.userName ?? '';
    case WTS_INFO.DomainName:
      return session?.domain ?? '';
    case WTS_INFO.WinStationName:
      // A disconnected session has left its station: quser shows an empty SESSIONNAME.
      return session ? (session.sessionName ?? '') : (userless ?? '');
    default:
      return null;
  }
}

function wtsInfo(host: HostState, id: number, now: number): WtsSessionInfo | null {
  const session = host.sessions.get(id);
  const userless = USERLESS_STATES.get(id);
  if (!session) {
    if (userless === undefined) return null;
    return {
      state: userless,
      disconnectTime: 0n,
      lastInputTime: 0n,
      logonTime: 0n,
      currentTime: fileTime(now),
    };
  }
  return {
    state: WTS_STATE[session.state],
    disconnectTime: session.disconnectedAt === null ? 0n : fileTime(session.disconnectedAt),
    lastInputTime: fileTime(session.lastInputAt),
    logonTime: fileTime(session.logonAt),
    currentTime: fileTime(now),
  };
}

function runTool(
  host: HostState,
  name: string,
  args: readonly string[],
  now: number,
  effects: WindowsEffects
): NativeRun {
  switch (name.toLowerCase()) {
    case 'quser.exe':
      return quser(host, args, now);
    case 'tsdiscon.exe':
      return sessionTool(host, 'disconnect', args, now, effects);
    case 'logoff.exe':
      return sessionTool(host, 'logoff', args, now, effects);
    case 'msg.exe':
      return msg(host, args, now);
    default:
      throw new RangeError(`the simulated host has no tool ${name}`);
  }
}

const invalidParameters = (): NativeRun => ({
  exitCode: 1,
  stdout: '',
  stderr: 'Invalid parameter(s)\r\n',
});

/** `quser` as SYSTEM: its table, or "No User exists for *" on stderr and exit 1 when nobody is on. */
function quser(host: HostState, args: readonly string[], now: number): NativeRun {
  if (args.length > 0) return invalidParameters();
  if (host.sessions.size === 0) {
    return { exitCode: 1, stdout: '', stderr: `${host.locale.noUserExists('*')}\r\n` };
  }
  const rows = sortedSessions(host).map((s) => ({
    userName: s.userName,
    sessionName: s.sessionName,
    id: s.id,
    state: s.state,
    idleMinutes: idleMinutes(s, now),
    console: s.console,
    logonTime: new Date(s.logonAt),
  }));
  return { exitCode: 0, stdout: renderQuser(rows, host.locale, host.utcOffsetMinutes), stderr: '' };
}

/** `tsdiscon <id>` and `logoff <id>`: silent on success; a protected account answers Access denied. */
function sessionTool(
  host: HostState,
  action: 'logoff' | 'disconnect',
  args: readonly string[],
  now: number,
  effects: WindowsEffects
): NativeRun {
  const id = sessionIdArgument(args);
  if (id === null || args.length !== 1) return invalidParameters();
  const session = host.sessions.get(id);
  if (!session) {
    // Synthetic: the line for a missing session is unconfirmed (windows-facts §5); Win32 7022.
    return {
      exitCode: TS_TOOL_FAILURE,
      stdout: '',
      stderr: `Could not ${action} session ID ${id}, Error code 7022\r\nError [7022]:The specified session cannot be found.\r\n`,
    };
  }
  if (session.protected) {
    return {
      exitCode: TS_TOOL_FAILURE,
      stdout: '',
      stderr: `${host.locale.couldNot(action, id, session.sessionName)}\r\n${host.locale.accessDeniedLine}\r\n`,
    };
  }
  if (session.hung) {
    // The tool reports success; the session stays as it was (only a read-back can tell).
  } else if (action === 'logoff') {
    host.sessions.delete(id);
    effects.sessionEnded(host, session);
  } else if (session.state !== 'disconnected') {
    session.state = 'disconnected';
    session.sessionName = null;
    session.working = false;
    session.disconnectedAt = now;
  }
  return { exitCode: 0, stdout: '', stderr: '' };
}

/** `msg <id> [/time:N] <message>`: the message is shown in that session. */
function msg(host: HostState, args: readonly string[], now: number): NativeRun {
  const id = sessionIdArgument(args);
  const time = args.length === 3 ? /^\/time:([0-9]{1,5})$/i.exec(args[1] ?? '') : null;
  if (id === null || (args.length !== 2 && time === null)) return invalidParameters();
  const session = host.sessions.get(id);
  if (!session) {
    // Synthetic, like the TS tools' missing-session line above.
    return {
      exitCode: 1,
      stdout: '',
      stderr: 'Error [7022]:The specified session cannot be found.\r\n',
    };
  }
  host.notifications.push({
    sessionId: id,
    userName: session.userName,
    message: args[args.length - 1] ?? '',
    seconds: time ? Number(time[1]) : null,
    sentAt: now,
  });
  return { exitCode: 0, stdout: '', stderr: '' };
}

function sessionIdArgument(args: readonly string[]): number | null {
  const first = args[0] ?? '';
  return /^[0-9]{1,5}$/.test(first) ? Number(first) : null;
}

function smbSessions(host: HostState, now: number): SmbSessionObject[] {
  return [...host.smbSessions.values()].sort(byId).map((s) => ({
    SessionId: s.id,
    ClientComputerName: s.clientComputerName,
    ClientUserName: s.clientUserName,
    NumOpens: openCount(host, s.id),
    SecondsIdle: Math.max(0, Math.floor((now - s.lastRequestAt) / 1000)),
    SecondsExists: Math.max(0, Math.floor((now - s.createdAt) / 1000)),
    Dialect: s.dialect,
  }));
}

function smbOpenFile(host: HostState, f: OpenFileState): SmbOpenFileObject {
  const session = host.smbSessions.get(f.smbSessionId);
  return {
    FileId: f.id,
    SessionId: f.smbSessionId,
    Path: f.path,
    ShareRelativePath: shareRelativePath(f.path),
    ClientComputerName: session?.clientComputerName ?? null,
    ClientUserName: session?.clientUserName ?? null,
    Locks: f.locks,
    Permissions: f.permissions,
  };
}

function sortedSessions(host: HostState): SessionState[] {
  return [...host.sessions.values()].sort((a, b) => a.id - b.id);
}

function byId(a: { id: bigint }, b: { id: bigint }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
