import { z } from 'zod';

/**
 * The contract between session-janitor and the `SessionJanitor-Operate` Command document: its
 * operations, its parameters, the exit codes its script uses and the JSON envelope it prints.
 * The document itself is data (`cdk/document/session-janitor-operate.json`); the real hosts and
 * the simulated fleet both honour this contract.
 */

export const HOST_OPERATIONS = [
  'ListSessions',
  'DisconnectSession',
  'LogoffSession',
  'NotifySession',
  'ListSmbSessions',
  'CloseSmbSession',
  'ListOpenFiles',
  'CloseOpenFile',
  'ListShells',
  'EndShell',
] as const;
export type HostOperation = (typeof HOST_OPERATIONS)[number];

/** Document parameters besides `Operation`. Every one is optional and defaults to `''`. */
export const HOST_PARAMETERS = [
  'SessionId',
  'ExpectedUser',
  'ClientName',
  'UserName',
  'FileId',
  'ExpectedPath',
  'Message',
  'WarnSeconds',
  'PathFilter',
  'AfterFileId',
  'ExpectedLogonTime',
  'ExpectedState',
  'MinIdleMinutes',
  'MinDisconnectedMinutes',
  'AllowConsole',
  'ShellId',
  'ExpectedOwner',
  'ExpectedShellState',
  'MinInactiveMinutes',
] as const;
export type HostParameter = (typeof HOST_PARAMETERS)[number];
export type HostParameters = { Operation: HostOperation } & Partial<Record<HostParameter, string>>;

/**
 * Exit codes of the document's script. Guards use 20–29 and 31–33 so that a refusal can never be
 * confused with a Windows tool's own exit code (quser/logoff/tsdiscon use 1, net.exe uses 2).
 */
export const EXIT = {
  ok: 0,
  /** The Windows command ran and failed; `stderr` says why. */
  commandFailed: 1,
  /** A parameter the operation needs is missing or malformed (defence in depth behind allowedPattern). */
  badParameters: 2,
  /**
   * `tsdiscon`/`logoff` exited 0 but reading the session back through WTS did not show it
   * disconnected (or gone), or `Remove-WSManInstance` returned and the shell is still listed;
   * the envelope's `readBack` says what the host saw.
   */
  notConfirmed: 3,
  guardSessionNotFound: 20,
  guardUserMismatch: 21,
  guardConsole: 22,
  guardFileNotFound: 23,
  guardPathMismatch: 24,
  guardSmbSessionNotFound: 25,
  /** The session ID now holds another logon than the one the action was planned for. */
  guardLogonMismatch: 26,
  /** The session is no longer in the state the action was planned for (`ExpectedState`). */
  guardStateMismatch: 27,
  /** The session has had input since: idle less than `MinIdleMinutes` (or unknown). */
  guardNotIdle: 28,
  /** Disconnected less than `MinDisconnectedMinutes` (or since an unknown time). */
  guardDisconnectedTooShort: 29,
  /**
   * The host runs scripts in PowerShell's ConstrainedLanguage mode (WDAC or AppLocker): Add-Type
   * is blocked, so the session guards cannot run and nothing was done. Not a guard: the target is
   * as it was, the host cannot act on any session until its policy changes.
   */
  constrainedLanguage: 30,
  /** No WinRM shell has that ShellId (also: it ended before `Remove-WSManInstance`, fault 2150858843). */
  guardShellNotFound: 31,
  /** The shell belongs to someone else than `ExpectedOwner`. */
  guardOwnerMismatch: 32,
  /** The shell is (or cannot be told apart from) the one this very command runs in. */
  guardOwnShell: 33,
} as const;

export const GUARD_CODES = [
  'session-not-found',
  'user-mismatch',
  'console-session',
  'file-not-found',
  'path-mismatch',
  'smb-session-not-found',
  'logon-mismatch',
  'state-mismatch',
  'not-idle',
  'disconnected-too-short',
  'shell-not-found',
  'owner-mismatch',
  'own-shell',
] as const;
export type GuardCode = (typeof GUARD_CODES)[number];

export const GUARD_EXIT: Record<GuardCode, number> = {
  'session-not-found': EXIT.guardSessionNotFound,
  'user-mismatch': EXIT.guardUserMismatch,
  'console-session': EXIT.guardConsole,
  'file-not-found': EXIT.guardFileNotFound,
  'path-mismatch': EXIT.guardPathMismatch,
  'smb-session-not-found': EXIT.guardSmbSessionNotFound,
  'logon-mismatch': EXIT.guardLogonMismatch,
  'state-mismatch': EXIT.guardStateMismatch,
  'not-idle': EXIT.guardNotIdle,
  'disconnected-too-short': EXIT.guardDisconnectedTooShort,
  'shell-not-found': EXIT.guardShellNotFound,
  'owner-mismatch': EXIT.guardOwnerMismatch,
  'own-shell': EXIT.guardOwnShell,
};

/**
 * What `DisconnectSession` and `LogoffSession` read back through WTS after the tool succeeded:
 * `gone` (logged off, or its ID already holds another logon) or the state's name
 * (`disconnected`, `active`, …). Confirmed: gone, or disconnected after a disconnect.
 */
export const readBackSchema = z.object({ state: z.string(), confirmed: z.boolean() });
export type ReadBack = z.infer<typeof readBackSchema>;

/** How `EndShell` ended a shell: the server can only end a client's shell, never hand it back. */
export const SHELL_END_OUTCOMES = ['ended', 'ended-ungraceful'] as const;
export type ShellEndOutcome = (typeof SHELL_END_OUTCOMES)[number];

/**
 * `EndShell`, once the shell is no longer listed: `ended` when it was Disconnected or ran no child
 * process, `ended-ungraceful` when it was Connected (or in an unknown state) with running commands,
 * whose work may be lost; and what it had, as the host listed it (strings, ISO 8601 durations).
 */
export const shellEndSchema = z.object({
  outcome: z.enum(SHELL_END_OUTCOMES),
  state: z.string().nullable(),
  childProcesses: z.string().nullable(),
  shellInactivity: z.string().nullable(),
});
export type ShellEnd = z.infer<typeof shellEndSchema>;

/**
 * The one JSON object the script prints on stdout, whatever happened.
 *
 * List operations (`ListSessions`, `ListSmbSessions`, `ListOpenFiles`, `ListShells`) exit 0 once the Windows tool
 * ran, and report the tool's own exit code here (quser exits 1 with "No User exists for *" on stderr
 * when nobody is logged on: that is an empty list, not a failure). Action operations exit with
 * `exitCode`, so SSM marks a refused guard or a failed tool as `Failed` with that ResponseCode.
 */
export const hostEnvelopeSchema = z.object({
  operation: z.enum(HOST_OPERATIONS),
  exitCode: z.number().int(),
  /** Output of the Windows command(s), possibly trimmed (see `stdoutTruncated`). */
  stdout: z.string(),
  stderr: z.string(),
  stdoutTruncated: z.boolean().default(false),
  /**
   * `ListOpenFiles` lists one page, whole JSON that fits the envelope: more files match after it
   * (ask again with `AfterFileId`). `null`: this page is the last.
   */
  next: z
    .object({ afterFileId: z.string().regex(/^\d{1,20}$/), remaining: z.number().int().min(1) })
    .nullable()
    .default(null),
  /**
   * `DisconnectSession` / `LogoffSession` once the tool ran: the session as WTS shows it after;
   * `EndShell` once `Remove-WSManInstance` returned: `gone`, or the state the shell is still listed in.
   */
  readBack: readBackSchema.nullable().default(null),
  /**
   * `ListSessions`: each disconnected session's WTS DisconnectTime (ISO 8601 UTC; `null` when
   * Windows holds none). Empty when WTS could not be asked; `null` for other operations.
   */
  disconnectTimes: z
    .array(z.object({ sessionId: z.number().int(), disconnectTime: z.iso.datetime().nullable() }))
    .nullable()
    .default(null),
  /**
   * `ListSessions`: the session attached to the console (WTSGetActiveConsoleSessionId), also once
   * it is disconnected and quser shows no session name. `null` when none is attached, when WTS
   * could not be asked, and for other operations.
   */
  consoleSessionId: z.number().int().min(0).nullable().default(null),
  /** `EndShell`, confirmed: how the shell was ended and what it had. `null` otherwise. */
  shellEnd: shellEndSchema.nullable().default(null),
  /** e.g. `de-DE` */
  culture: z.string(),
  shortDatePattern: z.string(),
  shortTimePattern: z.string(),
  /** ISO 8601 UTC instant on the host's clock, e.g. `2026-11-21T19:32:10Z`. */
  hostTimeUtc: z.iso.datetime(),
  /** Host's UTC offset in minutes at `hostTimeUtc` (quiet hours are host-local). */
  utcOffsetMinutes: z.number().int().default(0),
  /** `$ExecutionContext.SessionState.LanguageMode` on the host: `ConstrainedLanguage` under WDAC or AppLocker. */
  languageMode: z.string().default('FullLanguage'),
  guard: z
    .object({ code: z.enum(GUARD_CODES), message: z.string() })
    .nullable()
    .default(null),
});
export type HostEnvelope = z.infer<typeof hostEnvelopeSchema>;

/** Keep the envelope well under GetCommandInvocation's 24,000-character StandardOutputContent. */
export const ENVELOPE_STDOUT_LIMIT = 16_000;
