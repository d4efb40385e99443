import { spanText, splitLines } from './columns.js';
import { readIdleMinutes } from './idle.js';
import { isNoUserMessage } from './locale.js';
import { readLogonTimes } from './logon-time.js';
import { orNotRecognised } from './result.js';
import {
  emptyListing,
  looksLikeDate,
  readSessionTable,
  rowsCarryLogonDates,
  type SessionLine,
  strayWarnings,
} from './session-table.js';
import type { CultureHint, NotRecognised, ParseResult, QuserSession } from './types.js';

/**
 * `quser` / `query user`:
 * ```
 *  USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME
 * >administrator         rdp-tcp#2           1  Active          .  3/25/2021 9:27 AM
 *  john.smith                                3  Disc     11+04:12  2022-03-31 5:09 PM
 * ```
 */

export const QUSER_EXPECTED =
  'quser output: a USERNAME/SESSIONNAME/ID/STATE/IDLE TIME/LOGON TIME table, "No User exists for *" or an "Error [n]:" report';

/** Where SESSIONNAME starts on an English host (windows-facts.md §3.3), used without a header. */
const DEFAULT_SESSION_COLUMN = 23;

type PendingRow = Omit<QuserSession, 'logonTime'>;

function readRow(row: SessionLine, sessionColumn: number, warnings: string[]): PendingRow | null {
  const { tokens, anchor, line, lineNo } = row;
  if (anchor === 0) {
    warnings.push(`line ${lineNo} has no user name; skipped`);
    return null;
  }
  const lastName = tokens[anchor - 1];
  // Only disconnected sessions lack a session name; there, positions tell a second word of the
  // user name from a session name. Edited or headerless copies shift columns, so a connected
  // session's last name token is its session name wherever it sits.
  const hasSession =
    anchor >= 2 &&
    lastName !== undefined &&
    (row.state !== 'disconnected' || lastName.start >= sessionColumn - 1);
  const userName = spanText(line, tokens, 0, hasSession ? anchor - 2 : anchor - 1);
  const sessionName = hasSession && lastName ? lastName.text : null;
  const id = Number(tokens[anchor]?.text);
  const state = row.state;
  let idleMinutes: number | null = null;
  let logonFrom = row.after;
  const idleToken = tokens[row.after];
  if (!idleToken || looksLikeDate(idleToken.text)) {
    warnings.push(`line ${lineNo} (${userName}): no idle time; idle is unknown`);
  } else {
    logonFrom = row.after + 1;
    const idle = readIdleMinutes(idleToken.text);
    if (idle.kind === 'minutes') idleMinutes = idle.minutes;
    else if (idle.kind === 'bogus')
      warnings.push(`line ${lineNo} (${userName}): ${idle.reason}; idle is unknown`);
    else
      warnings.push(
        `line ${lineNo} (${userName}): idle time "${idleToken.text}" not understood; idle is unknown`
      );
  }
  const logonTimeRaw = spanText(line, tokens, logonFrom, tokens.length - 1);
  return { userName, sessionName, id, state, idleMinutes, logonTimeRaw, current: row.current };
}

/** Parses `quser` output, or says it is not `quser` output at all. */
export function readQuser(
  text: string,
  hint?: CultureHint
): ParseResult<QuserSession> | NotRecognised {
  const lines = splitLines(text);
  const table = readSessionTable(lines);
  const notQuser: NotRecognised = { kind: 'not-recognised', expected: QUSER_EXPECTED };
  if (table.header?.kind === 'qwinsta') return notQuser;
  if (table.rows.length === 0) {
    if (lines.some(isNoUserMessage)) return { rows: [], error: null, warnings: [] };
    return emptyListing(lines, text, table, 'quser') ?? notQuser;
  }
  if (table.header?.kind !== 'quser' && !rowsCarryLogonDates(table)) return notQuser;
  const sessionColumn = table.header?.labels[1]?.start ?? DEFAULT_SESSION_COLUMN;
  const warnings = strayWarnings(table);
  const pending: PendingRow[] = [];
  for (const row of table.rows) {
    const read = readRow(row, sessionColumn, warnings);
    if (read) pending.push(read);
  }
  const logon = readLogonTimes(
    pending.map((p) => p.logonTimeRaw),
    hint
  );
  warnings.push(...logon.warnings);
  const rows = pending.map(
    (session, i): QuserSession => ({
      userName: session.userName,
      sessionName: session.sessionName,
      id: session.id,
      state: session.state,
      idleMinutes: session.idleMinutes,
      logonTime: logon.values[i] ?? null,
      logonTimeRaw: session.logonTimeRaw,
      current: session.current,
    })
  );
  return { rows, error: null, warnings };
}

/** Parses `quser` output; text that is not `quser` output gives no rows and says so. */
export function parseQuser(text: string, hint?: CultureHint): ParseResult<QuserSession> {
  return orNotRecognised(readQuser(text, hint));
}
