import { spanText, splitLines } from './columns.js';
import { orNotRecognised } from './result.js';
import {
  emptyListing,
  readSessionTable,
  rowsCarryLogonDates,
  type SessionHeader,
  type SessionLine,
  strayWarnings,
} from './session-table.js';
import type { CultureHint, NotRecognised, QwinstaResult, QwinstaSession } from './types.js';

/**
 * `query session` / `qwinsta`:
 * ```
 *  SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE
 * >services                                    0  Disc
 *                    t1_toby.beck5             2  Disc
 *  rdp-tcp                                 65536  Listen
 * ```
 */

export const QWINSTA_EXPECTED =
  'query session / qwinsta output: a SESSIONNAME/USERNAME/ID/STATE/TYPE/DEVICE table or an "Error [n]:" report';

/** English column starts (windows-facts.md §4.2), used when the output has no header. */
const DEFAULT_COLUMNS = { user: 19, type: 56, device: 68 } as const;

interface Columns {
  user: number;
  type: number;
  device: number;
}

function columnsOf(header: SessionHeader | null): Columns {
  if (!header) return DEFAULT_COLUMNS;
  const after = header.labels.slice(header.idLabel + 1);
  const device = after.length >= 2 ? after[after.length - 1] : undefined;
  const type = after.length >= 2 ? after[after.length - 2] : undefined;
  return {
    user: header.labels[1]?.start ?? DEFAULT_COLUMNS.user,
    type: type?.start ?? DEFAULT_COLUMNS.type,
    device: device?.start ?? DEFAULT_COLUMNS.device,
  };
}

function readRow(row: SessionLine, columns: Columns): QwinstaSession {
  const { tokens, anchor, line } = row;
  const first = tokens[0];
  // Session names never contain spaces; a first token left of USERNAME is the session name.
  const hasSession = anchor >= 1 && first !== undefined && first.start < columns.user - 1;
  const userFrom = hasSession ? 1 : 0;
  const userName = anchor > userFrom ? spanText(line, tokens, userFrom, anchor - 1) : '';
  let type: string | null = null;
  let device: string | null = null;
  for (let i = row.after; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    if (token.start >= columns.device - 1) device = device ? `${device} ${token.text}` : token.text;
    else type = type ? `${type} ${token.text}` : token.text;
  }
  return {
    sessionName: hasSession && first ? first.text : null,
    userName: userName.length > 0 ? userName : null,
    id: Number(tokens[anchor]?.text),
    state: row.state,
    type,
    device,
    current: row.current,
  };
}

/** Parses `qwinsta` output, or says it is not `qwinsta` output at all. */
export function readQwinsta(text: string, _hint?: CultureHint): QwinstaResult | NotRecognised {
  const lines = splitLines(text);
  const table = readSessionTable(lines);
  const notQwinsta: NotRecognised = { kind: 'not-recognised', expected: QWINSTA_EXPECTED };
  if (table.header?.kind === 'quser') return notQwinsta;
  if (table.rows.length === 0) {
    return emptyListing(lines, text, table, 'qwinsta') ?? notQwinsta;
  }
  if (table.header?.kind !== 'qwinsta' && rowsCarryLogonDates(table)) return notQwinsta;
  const columns = columnsOf(table.header);
  const result: QwinstaResult = {
    rows: table.rows.map((row) => readRow(row, columns)),
    error: null,
    warnings: strayWarnings(table),
  };
  // /COUNTER prints created, disconnected and reconnected totals, in that order, in every language.
  const [created, disconnected, reconnected] = table.counters;
  if (
    table.counters.length === 3 &&
    created !== undefined &&
    disconnected !== undefined &&
    reconnected !== undefined
  ) {
    result.counters = { created, disconnected, reconnected };
  } else if (table.counters.length > 0) {
    result.warnings.push(`expected 3 /COUNTER totals, found ${table.counters.length}`);
  }
  return result;
}

/** Parses `qwinsta` output; text that is not `qwinsta` output gives no rows and says so. */
export function parseQwinsta(text: string, hint?: CultureHint): QwinstaResult {
  return orNotRecognised(readQwinsta(text, hint));
}
