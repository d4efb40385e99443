import type { HostParameters } from '../../lib/ssm/host-contract.js';

/**
 * The seam between the local SSM endpoint (`local/ssm/`) and the simulated Windows fleet
 * (`local/fleet/`): SSM asks the fleet which instances exist and runs the document's script on one.
 */

export interface FleetInstance {
  instanceId: string;
  computerName: string;
  /** `Online` | `ConnectionLost` | `Inactive` (DescribeInstanceInformation PingStatus). */
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive';
  platformType: 'Windows';
  platformName: string;
  platformVersion: string;
  agentVersion: string;
  ipAddress: string;
  /** e.g. `de-DE` */
  locale: string;
  /** Instance tags (the managed tag among them). */
  tags: Record<string, string>;
  role: 'session-host' | 'file-server';
}

/** What the `aws:runPowerShellScript` step produced: the process exit code and its streams. */
export interface ScriptRun {
  exitCode: number;
  /** The JSON envelope of `lib/ssm/host-contract.ts`, as the script prints it. */
  stdout: string;
  stderr: string;
  /** Simulated run time, in milliseconds of real time. */
  durationMs: number;
}

export interface Fleet {
  instances(): FleetInstance[];
  instance(instanceId: string): FleetInstance | undefined;
  /** Runs the document's script for one instance, with parameters already validated by SSM. */
  run(instanceId: string, parameters: HostParameters): Promise<ScriptRun>;
}

/** What a native tool printed and exited with. */
export interface NativeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** An `MSFT_SmbSession` as `Get-SmbSession` returns it (the members the script reads). */
export interface SmbSessionObject {
  SessionId: bigint;
  ClientComputerName: string;
  ClientUserName: string;
  NumOpens: number;
  SecondsIdle: number;
  SecondsExists: number;
  Dialect: string;
}

/** An `MSFT_SmbOpenFile` as `Get-SmbOpenFile` returns it (the members the script reads). */
export interface SmbOpenFileObject {
  FileId: bigint;
  SessionId: bigint;
  Path: string;
  ShareRelativePath: string;
  ClientComputerName: string | null;
  ClientUserName: string | null;
  Locks: number;
  Permissions: number;
}

/** A WinRM shell as `Get-WSManInstance -ResourceURI shell -Enumerate` shows it: each field's text, `null` where it has none. */
export type ShellObject = Readonly<Record<string, string | null>>;

/** A `Win32_Process` as `Get-CimInstance -Property ProcessId, ParentProcessId` returns it. */
export interface ProcessObject {
  ProcessId: number;
  ParentProcessId: number;
  /** The image name, e.g. `wsmprovhost.exe`. */
  Name: string;
}

export interface WindowsCulture {
  /** e.g. `de-DE` */
  name: string;
  shortDatePattern: string;
  shortTimePattern: string;
}

/**
 * Windows below the document's script on one simulated host (`local/fleet/windows.ts`): what its
 * tools, the WTS API and the SmbShare cmdlets answer, and the changes they make. Read at the
 * moment of each call, so a script sees the host as it is then.
 */
export interface WindowsHost {
  readonly instanceId: string;
  /** `Get-Culture`. */
  culture(): WindowsCulture;
  utcOffsetMinutes(): number;
  /** `$ExecutionContext.SessionState.LanguageMode` of the scripts SSM runs here. */
  languageMode(): string;
  /** The host's clock (the fleet's simulated one). */
  now(): Date;
  /** Runs `%SystemRoot%\System32\<name>` with exactly these arguments. */
  runTool(name: string, args: readonly string[]): NativeRun;
  wtsSessionExists(sessionId: number): boolean;
  /** `WTSQuerySessionInformation` of a text `WTS_INFO_CLASS`; `null` when the query fails. */
  wtsQueryText(sessionId: number, infoClass: number): string | null;
  wtsActiveConsoleSessionId(): number;
  /** `WTSEnumerateSessions`: every session id, in Windows' order. */
  wtsSessionIds(): number[];
  /** `WTSQuerySessionInformation(WTSSessionInfo)`; `null` when the session does not exist. */
  wtsSessionInfo(sessionId: number): WtsSessionInfo | null;
  getSmbSession(): SmbSessionObject[];
  getSmbOpenFile(): SmbOpenFileObject[];
  /** `false`: no such SMB session (the cmdlet reports ObjectNotFound). */
  closeSmbSession(sessionId: bigint): boolean;
  /** `false`: no such open file (the cmdlet reports ObjectNotFound). */
  closeSmbOpenFile(fileId: bigint): boolean;
  /** `Get-WSManInstance -ResourceURI shell -Enumerate`; throws `CmdletError` while WinRM is stopped. */
  wsmanShells(): ShellObject[];
  /**
   * `Remove-WSManInstance -ResourceURI shell`; `false`: no such shell (fault 2150858843). Throws
   * `CmdletError` while WinRM is stopped.
   */
  removeWsmanShell(shellId: string): boolean;
  /** `Get-CimInstance Win32_Process`, the script running as `scriptProcessId`. */
  processes(scriptProcessId: number): ProcessObject[];
}

/**
 * `WTSINFOW` as the script's `SessionJanitorWts.Info` returns it: the `WTS_CONNECTSTATE_CLASS`
 * and the times as UTC FILETIMEs (100 ns since 1601; `0n`: Windows holds none).
 */
export interface WtsSessionInfo {
  state: number;
  disconnectTime: bigint;
  lastInputTime: bigint;
  logonTime: bigint;
  currentTime: bigint;
}

/** What the document's script did on a host: its process exit code and streams. */
export interface HostScriptRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Real time the script took, when it really ran (pwsh); the stand-in's run time is simulated. */
  elapsedMs?: number;
}

/**
 * Runs the document's script for one invocation: the TypeScript stand-in (`operations.ts`) by
 * default, or the real script under pwsh (`local/host-script/`).
 */
export type HostScript = (
  windows: WindowsHost,
  parameters: HostParameters
) => Promise<HostScriptRun>;

/*
 * The simulated fleet (`createFleet` in `local/fleet/fleet.ts`) adds a clock, live sessions and
 * test helpers to the seam above. Everything below is an extension: the SSM side needs only `Fleet`.
 */

/** A session as the fleet holds it; `idleMinutes` is whole minutes since the last input. */
export interface HostSessionView {
  id: number;
  userName: string;
  domain: string;
  /** `console`, `rdp-tcp#N`, or `null` while disconnected (quser prints an empty SESSIONNAME). */
  sessionName: string | null;
  state: 'active' | 'disconnected';
  idleMinutes: number;
  /** ISO 8601 UTC instant. */
  logonTime: string;
  console: boolean;
  /** Logoff and disconnect are refused with Access denied (e.g. `svc_backup`). */
  protected: boolean;
}

export interface SmbSessionView {
  sessionId: string;
  clientComputerName: string;
  /** `DOMAIN\user` */
  clientUserName: string;
  numOpens: number;
  secondsIdle: number;
  secondsExists: number;
  dialect: string;
}

export interface OpenFileView {
  fileId: string;
  sessionId: string;
  path: string;
  shareRelativePath: string;
  clientComputerName: string;
  clientUserName: string;
  locks: number;
  /** Access mask of the handle, e.g. 1179785 (read) or 1180063 (read/write). */
  permissions: number;
}

export interface NotificationView {
  sessionId: number;
  userName: string;
  message: string;
  /** `/time:` seconds, `null` when the document passed none. */
  seconds: number | null;
  /** ISO 8601 UTC instant. */
  sentAt: string;
}

export interface ShellView {
  shellId: string;
  kind: 'powershell' | 'winrs';
  owner: string;
  clientIp: string;
  processId: number;
  state: 'Connected' | 'Disconnected';
  bufferMode: 'Block' | 'Drop';
  /** Whole minutes since the client's last request. */
  inactiveMinutes: number;
  childProcesses: number;
}

export interface HostView {
  instance: FleetInstance;
  utcOffsetMinutes: number;
  /** Extra run time of every script on this host, ms. */
  slowMs: number;
  /** PowerShell's language mode for scripts: `ConstrainedLanguage` under WDAC or AppLocker. */
  languageMode: string;
  sessions: HostSessionView[];
  smbSessions: SmbSessionView[];
  openFiles: OpenFileView[];
  notifications: NotificationView[];
  shells: ShellView[];
}

/**
 * What the watcher (SessionJanitor-InstallWatcher) puts on EventBridge as a "Session Idle" event,
 * built from the LocalSessionManager record of a disconnect.
 */
export interface SessionIdleNotice {
  instanceId: string;
  sessionId: number;
  /** `DOMAIN\user` as the watcher reads it from the record. */
  userName: string;
  state: 'disconnected';
  /** The record says only that the session was just disconnected. */
  idleMinutes: 0;
  /** The record does not say. */
  logonTime: null;
  /** ISO 8601 UTC instant (the simulated clock). */
  observedAt: string;
  /** The record the notice was built from. */
  windowsEvent: WindowsEventRecord;
}

/** A Microsoft-Windows-TerminalServices-LocalSessionManager/Operational record of a disconnect. */
export type WindowsEventRecord =
  | { eventId: 24; recordId: number }
  | { eventId: 40; recordId: number; reasonCode: number };

export interface AddSessionInput {
  /** `user` or `DOMAIN\user` (domain defaults to `CORP`). */
  user: string;
  state?: 'active' | 'disconnected';
  idleMinutes?: number;
  /** Minutes since logon; at least `idleMinutes`. */
  loggedOnMinutes?: number;
  console?: boolean;
  protected?: boolean;
  /** Force this session id (must be free); default: the lowest free id, as Windows reuses them. */
  sessionId?: number;
  /** Let the session live on its own during `advance` (log off, reconnect …). Default false. */
  live?: boolean;
  /** A disconnected session's minutes since the disconnect (≤ `idleMinutes`; default: those). */
  disconnectedMinutes?: number;
  /** Hung: `logoff` and `tsdiscon` exit 0 and change nothing. */
  hung?: boolean;
}

export interface AddSmbSessionInput {
  clientComputerName: string;
  /** `user` or `DOMAIN\user` (domain defaults to `CORP`). */
  user: string;
  secondsIdle?: number;
  dialect?: string;
}

export interface AddOpenFileInput {
  /** An SMB session of this host; created from `clientComputerName`/`user` when omitted. */
  smbSessionId?: string;
  clientComputerName?: string;
  user?: string;
  /** Server-local path, e.g. `D:\Shares\Finance\Q3 Report.xlsx`. */
  path: string;
  locks?: number;
  /** Default 1180063 (read/write). */
  permissions?: number;
  fileId?: string;
}

export interface AddShellInput {
  /** `user` or `DOMAIN\user` (domain defaults to `CORP`). */
  owner: string;
  /** Default `powershell` (PowerShell remoting); `winrs` is a cmd shell. */
  kind?: 'powershell' | 'winrs';
  /** Default `Connected`. */
  state?: 'Connected' | 'Disconnected';
  /** Default `Block`. */
  bufferMode?: 'Block' | 'Drop';
  /** Minutes since the client's last request (default 0). */
  inactiveMinutes?: number;
  /** Minutes since the shell opened (default: `inactiveMinutes`). */
  openMinutes?: number;
  /** Commands running in it (default 0). */
  childProcesses?: number;
  /** WinRM's idle time-out for it, minutes (default: the endpoint's, 120 for PowerShell, 3 for winrs). */
  idleTimeoutMinutes?: number;
  clientIp?: string;
  processId?: number;
  /** Let the shell live on its own during `advance`. Default false. */
  live?: boolean;
  /** A connected client sending requests every minute. Default false. */
  clientActive?: boolean;
  /** Fields WinRM shows without a value for it (MS-WSMV makes most optional), e.g. `Owner`. */
  withoutFields?: readonly string[];
}

export interface SimulatedFleet extends Fleet {
  /** The simulated clock. */
  now(): Date;
  /** Moves the clock; sessions log on, work, idle, disconnect, return and log off on their own. */
  advance(minutes: number): void;
  /** A snapshot of one host; throws `FleetError` for an unknown instance. */
  host(instanceId: string): HostView;
  addSession(instanceId: string, input: AddSessionInput): number;
  /** The user logs off on their own (the session id becomes free for the next logon). */
  logOff(instanceId: string, sessionId: number): void;
  addSmbSession(instanceId: string, input: AddSmbSessionInput): string;
  addOpenFile(instanceId: string, input: AddOpenFileInput): string;
  /** The user of an active session moves the mouse: its idle time starts again from now. */
  touchSession(instanceId: string, sessionId: number): void;
  setPingStatus(instanceId: string, status: FleetInstance['pingStatus']): void;
  setSlow(instanceId: string, ms: number): void;
  /**
   * What a WDAC or AppLocker policy does to the scripts SSM runs: `ConstrainedLanguage` blocks
   * Add-Type (the script's session operations answer exit 30); `FullLanguage` is the default.
   */
  setLanguageMode(instanceId: string, mode: 'FullLanguage' | 'ConstrainedLanguage'): void;
  /** Opens a WinRM shell on a host; returns its ShellId. */
  addShell(instanceId: string, input: AddShellInput): string;
  /** The host's WinRM service stops (`false`) or starts again: its shells stay as they were. */
  setWinRmRunning(instanceId: string, running: boolean): void;
  /** The client disconnects (`Disconnect-PSSession`, a dropped network) or reconnects (`Connect-PSSession`). */
  setShellState(instanceId: string, shellId: string, state: 'Connected' | 'Disconnected'): void;
  /**
   * The host's RDS idle limit (MaxIdleTime, whole minutes; null: none): during `advance` the host
   * disconnects an active session idle that long, as Windows does, logging event 40 (reason 3).
   */
  setIdleLimit(instanceId: string, minutes: number | null): void;
  /**
   * Called after each `advance` with the watcher's notice for every disconnect by the host's idle
   * limit (event 40, reason 3) or by its user (event 24): what a real host's watcher would put.
   */
  onSessionIdle(listener: (notice: SessionIdleNotice) => void): () => void;
}
