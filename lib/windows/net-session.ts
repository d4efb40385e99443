import { isDigits, spanText, tokenize } from './columns.js';
import { readIdleSeconds } from './idle.js';
import {
  headerLabels,
  isTrailer,
  keyValue,
  type NetTable,
  netRows,
  readNetOutput,
} from './net-table.js';
import { orNotRecognised } from './result.js';
import type { CultureHint, NotRecognised, ParseResult, SmbSession } from './types.js';

/**
 * `net session` (the list) and `net session \\client` (one session in detail):
 * ```
 * User name       ADMINISTRATOR
 * Computer        10.10.75.1
 * Guest logon     No
 * Client type
 * Sess time       00:00:26
 * Idle time       00:00:26
 *
 * Share name     Type     # Opens
 * --------------------------------------
 * IPC$           IPC      0
 * ```
 */

export const NET_SESSION_EXPECTED =
  'net session output: a Computer/User name/Client Type/Opens/Idle time list, its \\\\client detail view, "There are no entries in the list." or a "System error n" report';

/** English column starts of the list (windows-facts.md §8.2), used when the header is unusable. */
const DEFAULT_COLUMNS = { user: 23, clientType: 44 } as const;

function stripClientPrefix(text: string): string {
  return text.startsWith('\\\\') ? text.slice(2) : text;
}

function readListRow(
  line: string,
  columns: { user: number; clientType: number },
  warnings: string[],
  lineNo: number
): SmbSession | null {
  const tokens = tokenize(line);
  const first = tokens[0];
  if (!first?.text.startsWith('\\\\')) return null;
  let end = tokens.length;
  let idleSeconds: number | null = null;
  const last = tokens[end - 1];
  const clock = last && end > 1 ? readIdleSeconds(last.text) : null;
  if (clock !== null) {
    idleSeconds = clock;
    end -= 1;
  } else if (end >= 4) {
    const long = readIdleSeconds(spanText(line, tokens, end - 3, end - 1).replace(/\s+/g, ' '));
    if (long !== null) {
      idleSeconds = long;
      end -= 3;
    }
  }
  const client = stripClientPrefix(first.text);
  if (idleSeconds === null)
    warnings.push(`line ${lineNo} (${client}): idle time not understood; idle is unknown`);
  let opens: number | null = null;
  const opensToken = tokens[end - 1];
  if (end > 1 && opensToken && isDigits(opensToken.text)) {
    opens = Number(opensToken.text);
    end -= 1;
  }
  let userLast = 0;
  for (let i = 1; i < end; i++) {
    const token = tokens[i];
    if (token && token.start < columns.clientType - 1) userLast = i;
  }
  const userName = userLast >= 1 ? spanText(line, tokens, 1, userLast) : '';
  const clientType = end - 1 > userLast ? spanText(line, tokens, userLast + 1, end - 1) : '';
  return {
    client,
    userName: userName.length > 0 ? userName : null,
    clientType: clientType.length > 0 ? clientType : null,
    opens,
    idleSeconds,
  };
}

function readList(table: NetTable): ParseResult<SmbSession> {
  const header = headerLabels(table);
  const columns = {
    user: header?.[1]?.start ?? DEFAULT_COLUMNS.user,
    clientType: header?.[2]?.start ?? DEFAULT_COLUMNS.clientType,
  };
  const warnings: string[] = [];
  return netRows(
    table,
    (entry) => readListRow(entry.text, columns, warnings, entry.lineNo),
    warnings
  );
}

/** English labels of the detail view, in the order net.exe prints them in every language. */
const DETAIL_ORDER = [
  'user name',
  'computer',
  'guest logon',
  'client type',
  'sess time',
  'idle time',
] as const;

function readDetail(table: NetTable): ParseResult<SmbSession> | null {
  const pairs = table.before.slice(0, DETAIL_ORDER.length).map((entry) => keyValue(entry.text));
  if (pairs.length < DETAIL_ORDER.length || pairs.some((pair) => pair === null)) return null;
  const byLabel = new Map(pairs.map((pair) => [pair?.key.toLowerCase() ?? '', pair?.value ?? '']));
  // Known labels win; other languages fall back to the fixed order.
  const value = (index: number): string =>
    byLabel.get(DETAIL_ORDER[index] ?? '') ?? pairs[index]?.value ?? '';
  const client = stripClientPrefix(value(1));
  if (client.length === 0) return null;
  const warnings: string[] = [];
  const idleText = value(5);
  const idleSeconds = readIdleSeconds(idleText);
  if (idleSeconds === null)
    warnings.push(`idle time "${idleText}" not understood; idle is unknown`);
  let opens: number | null = null;
  if (table.ruled) {
    opens = 0;
    table.after.forEach((entry, index) => {
      const tokens = tokenize(entry.text);
      const count = tokens[tokens.length - 1];
      if (tokens.length >= 2 && count && isDigits(count.text))
        opens = (opens ?? 0) + Number(count.text);
      else if (!isTrailer(entry, index, table.after.length))
        warnings.push(`line ${entry.lineNo} not understood: ${entry.text}`);
    });
  }
  const userName = value(0);
  const clientType = value(3);
  return {
    rows: [
      {
        client,
        userName: userName.length > 0 ? userName : null,
        clientType: clientType.length > 0 ? clientType : null,
        opens,
        idleSeconds,
      },
    ],
    error: null,
    warnings,
  };
}

/** Parses `net session` output (list or detail view), or says it is not such output. */
export function readNetSession(
  text: string,
  _hint?: CultureHint
): ParseResult<SmbSession> | NotRecognised {
  return readNetOutput(text, NET_SESSION_EXPECTED, {
    list: (table) => {
      // `net file` shares the layout; its first column is the numeric ID.
      if (headerLabels(table)?.[0]?.text === 'ID') return null;
      const list = readList(table);
      const onlyTrailer = table.after.every((entry, i) => isTrailer(entry, i, table.after.length));
      return list.rows.length > 0 || onlyTrailer ? list : null;
    },
    detail: readDetail,
  });
}

/** Parses `net session` output; text that is not such output gives no rows and says so. */
export function parseNetSession(text: string, hint?: CultureHint): ParseResult<SmbSession> {
  return orNotRecognised(readNetSession(text, hint));
}
