import type { HostLocale } from './locales.js';
import type { FleetInstance } from './types.js';

/** One user session on a host. Times are epoch milliseconds on the simulated clock. */
export interface SessionState {
  id: number;
  userName: string;
  domain: string;
  sessionName: string | null;
  state: 'active' | 'disconnected';
  logonAt: number;
  lastInputAt: number;
  /** When the client last disconnected, while the session is disconnected (WTS DisconnectTime). */
  disconnectedAt: number | null;
  console: boolean;
  protected: boolean;
  /** Moves on its own during `advance`. */
  live: boolean;
  /** A live user at the keyboard (input every minute) rather than away. */
  working: boolean;
  /** Hung: logoff and tsdiscon exit 0 but the session stays as it is. */
  hung: boolean;
}

/** An SMB session that an RDP session on another host opened (its logoff ends it). */
export interface SmbOrigin {
  instanceId: string;
  sessionId: number;
  logonAt: number;
}

export interface SmbSessionState {
  id: bigint;
  clientComputerName: string;
  clientUserName: string;
  createdAt: number;
  lastRequestAt: number;
  dialect: string;
  origin: SmbOrigin | null;
}

export interface OpenFileState {
  id: bigint;
  smbSessionId: bigint;
  path: string;
  locks: number;
  /** Access mask of the handle: 1179785 (0x120089) read, 1180063 (0x12019F) read/write. */
  permissions: number;
}

export interface NotificationState {
  sessionId: number;
  userName: string;
  message: string;
  seconds: number | null;
  sentAt: number;
}

/** A WinRM shell (PowerShell remoting or winrs) on a host. */
export interface ShellState {
  /** Upper-case GUID, as WinRM shows it. */
  id: string;
  kind: 'powershell' | 'winrs';
  /** `DOMAIN\user` */
  owner: string;
  clientIp: string;
  /** The shell's host process (wsmprovhost.exe, winrshost.exe). */
  processId: number;
  state: 'Connected' | 'Disconnected';
  bufferMode: 'Block' | 'Drop';
  createdAt: number;
  /** The client's last request: `ShellInactivity` counts from it. */
  lastActivityAt: number;
  /** WinRM ends the shell once it was inactive this long. */
  idleTimeoutMs: number;
  /** Commands still running in the shell. */
  childProcesses: number;
  /** Moves on its own during `advance`. */
  live: boolean;
  /** While connected: a client sending requests every minute, rather than sitting idle. */
  clientActive: boolean;
  /** `Get-WSManInstance` fields shown without a value. */
  withoutFields: ReadonlySet<string>;
}

export interface HostState {
  instance: FleetInstance;
  locale: HostLocale;
  utcOffsetMinutes: number;
  slowMs: number;
  /** PowerShell's language mode for scripts: `ConstrainedLanguage` under WDAC or AppLocker. */
  languageMode: string;
  sessions: Map<number, SessionState>;
  smbSessions: Map<bigint, SmbSessionState>;
  openFiles: Map<bigint, OpenFileState>;
  notifications: NotificationState[];
  /** WinRM shells, by ShellId. */
  shells: Map<string, ShellState>;
  /** `false`: the WinRM service is stopped, and the WSMan cmdlets throw. */
  winrmRunning: boolean;
  /** Next `rdp-tcp#N` suffix: every connection gets a fresh one. */
  nextRdpConnection: number;
  /** `DOMAIN\user` accounts that log on to this host by themselves. */
  userPool: string[];
  /** RDS MaxIdleTime in minutes: the host disconnects active sessions idle this long. */
  idleLimitMinutes: number | null;
  /** EventRecordID the host's LocalSessionManager/Operational log gives its next record. */
  nextRecordId: number;
}

export const MINUTE_MS = 60_000;

export function idleMinutes(session: SessionState, now: number): number {
  return Math.max(0, Math.floor((now - session.lastInputAt) / MINUTE_MS));
}

/** Windows hands out the lowest free session id: ids are reused after a logoff. */
export function lowestFreeSessionId(host: HostState): number {
  let id = 1;
  while (host.sessions.has(id)) id++;
  return id;
}

export function sortedSessions(host: HostState): SessionState[] {
  return [...host.sessions.values()].sort((a, b) => a.id - b.id);
}

export function splitAccount(account: string): { domain: string; userName: string } {
  const slash = account.indexOf('\\');
  if (slash >= 0) return { domain: account.slice(0, slash), userName: account.slice(slash + 1) };
  return { domain: 'CORP', userName: account };
}

/** `D:\Shares\Finance\Q3 Report.xlsx` → `Q3 Report.xlsx` (relative to the share `Finance`). */
export function shareRelativePath(path: string): string {
  const parts = path.split('\\');
  const skip = parts[1]?.toLowerCase() === 'shares' ? 3 : 2;
  return parts.slice(skip).join('\\') || (parts.at(-1) ?? path);
}

export function openCount(host: HostState, smbSessionId: bigint): number {
  let count = 0;
  for (const file of host.openFiles.values()) if (file.smbSessionId === smbSessionId) count++;
  return count;
}
