/**
 * Shapes shared by every Windows output parser. Parsers are pure: text (plus an optional culture
 * hint) in, a {@link ParseResult} out. They never throw on any input.
 */

/** WTS_CONNECTSTATE_CLASS, normalised. `ConnQ` (connect query) is reported as `connected`. */
export const SESSION_STATES = [
  'active',
  'connected',
  'shadow',
  'disconnected',
  'idle',
  'listen',
  'reset',
  'down',
  'init',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** One row of `quser` / `query user`. */
export interface QuserSession {
  userName: string;
  /** `null` for a disconnected session (its SESSIONNAME column is empty). */
  sessionName: string | null;
  id: number;
  state: SessionState;
  /** Minutes idle; `null` when unknown (never act on unknown). `.` and "none" words are 0. */
  idleMinutes: number | null;
  /** Host-local time `YYYY-MM-DDTHH:MM`, no zone; `null` when the text is ambiguous. */
  logonTime: string | null;
  logonTimeRaw: string;
  /** The row marked `>` (the session that ran the command). */
  current: boolean;
}

/** One row of `query session` / `qwinsta`. */
export interface QwinstaSession {
  sessionName: string | null;
  userName: string | null;
  id: number;
  state: SessionState;
  type: string | null;
  device: string | null;
  current: boolean;
}

/** One SMB session on a file server (`net session`, `Get-SmbSession`). */
export interface SmbSession {
  /** Client computer name or address, without the leading `\\`. */
  client: string;
  userName: string | null;
  clientType: string | null;
  opens: number | null;
  idleSeconds: number | null;
  /** `Get-SmbSession` only: the 64-bit `SessionId`, as a decimal string. */
  sessionId?: string;
}

/** One open file on a file server (`net file`, `openfiles`, `Get-SmbOpenFile`). */
export interface OpenFile {
  /** SMB file ids are 64-bit: kept as decimal strings. */
  id: string;
  path: string;
  userName: string | null;
  /** Only `openfiles` reports it (e.g. `Read`, `Write + Read`). */
  openMode?: string | null;
  locks: number | null;
  /** `Get-SmbOpenFile` only: the 64-bit `SessionId` of the SMB session holding the file. */
  sessionId?: string;
  /** `Get-SmbOpenFile` only: the SMB client (`ClientComputerName`) holding it. */
  client?: string;
}

/** A failure the command itself reported (`Error [5]:Access is denied.`, `System error 5 …`). */
export interface WindowsError {
  /** The Win32 / NERR number when the text carries one, else `null`. */
  code: number | null;
  message: string;
}

export interface ParseResult<Row> {
  rows: Row[];
  /** Set when the output is an error report instead of a table. */
  error: WindowsError | null;
  /** Things a human should know (bogus idle values, overflowed columns, guessed date order). */
  warnings: string[];
}

/** The totals `query session /COUNTER` prints after the table. */
export interface SessionCounters {
  created: number;
  disconnected: number;
  reconnected: number;
}

/** `qwinsta` rows, plus the `/COUNTER` totals when the output has them. */
export interface QwinstaResult extends ParseResult<QwinstaSession> {
  counters?: SessionCounters;
}

/** What the host tells us about how it prints dates; from the Command document's envelope. */
export interface CultureHint {
  /** e.g. `de-DE` */
  culture?: string;
  /** .NET ShortDatePattern, e.g. `dd.MM.yyyy`, `M/d/yyyy` */
  shortDatePattern?: string;
  /** .NET ShortTimePattern, e.g. `HH:mm`, `h:mm tt` */
  shortTimePattern?: string;
}

/** Thrown-free signal that the text is not output of the command asked for. */
export interface NotRecognised {
  kind: 'not-recognised';
  expected: string;
}
