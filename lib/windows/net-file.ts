import { isDigits, spanText, tokenize } from './columns.js';
import { headerLabels, keyValue, type NetTable, netRows, readNetOutput } from './net-table.js';
import { orNotRecognised } from './result.js';
import type { CultureHint, NotRecognised, OpenFile, ParseResult } from './types.js';

/**
 * `net file` (the list) and `net file ID` (one file in detail):
 * ```
 * ID         Path                                    User name            # Locks
 *
 * -------------------------------------------------------------------------------
 * 1342178304 C:\Shares\Finance\Q3 report.xlsx        CORP\alice           0
 * The command completed successfully.
 * ```
 * IDs stay strings: they are 32-bit here but 64-bit in the SmbShare cmdlets.
 */

export const NET_FILE_EXPECTED =
  'net file output: an ID/Path/User name/# Locks list, its detail view, "There are no entries in the list." or a "System error n" report';

/** English column start of "User name" (measured on the ja/en docs layout), used without a header. */
const DEFAULT_USER_COLUMN = 51;

function readListRow(line: string, userColumn: number): OpenFile | null {
  const tokens = tokenize(line);
  const id = tokens[0];
  if (!id || !isDigits(id.text) || tokens.length < 2) return null;
  let end = tokens.length;
  let locks: number | null = null;
  const last = tokens[end - 1];
  if (end >= 3 && last && isDigits(last.text)) {
    locks = Number(last.text);
    end -= 1;
  }
  const middle = tokens.slice(1, end);
  if (middle.length === 0) return null;
  // A path that overflows into the user column pushes the user name right: then the user name is
  // the last word (account names have no spaces) and the rest is the path.
  const straddles = middle.some((t) => t.start < userColumn - 1 && t.end >= userColumn);
  let pathLast = 0;
  if (straddles) pathLast = Math.max(0, middle.length - 2);
  else {
    for (let i = 0; i < middle.length; i++) {
      const token = middle[i];
      if (token && token.start < userColumn - 1) pathLast = i;
    }
  }
  const path = spanText(line, middle, 0, pathLast);
  const userName =
    pathLast + 1 < middle.length ? spanText(line, middle, pathLast + 1, middle.length - 1) : '';
  return { id: id.text, path, userName: userName.length > 0 ? userName : null, locks };
}

function readList(table: NetTable): ParseResult<OpenFile> {
  const header = headerLabels(table);
  const userColumn = header?.[2]?.start ?? DEFAULT_USER_COLUMN;
  return netRows(table, (entry) => readListRow(entry.text, userColumn));
}

/** `File ID`, `User name`, `Locks`, `Path`, `Permissions`, in this order in every language. */
function readDetail(table: NetTable): ParseResult<OpenFile> | null {
  const pairs = table.before.slice(0, 4).map((entry) => keyValue(entry.text));
  const [idPair, userPair, locksPair, pathPair] = pairs;
  if (!idPair || !userPair || !locksPair || !pathPair || !isDigits(idPair.value)) return null;
  return {
    rows: [
      {
        id: idPair.value,
        path: pathPair.value,
        userName: userPair.value.length > 0 ? userPair.value : null,
        locks: isDigits(locksPair.value) ? Number(locksPair.value) : null,
      },
    ],
    error: null,
    warnings: [],
  };
}

/** Parses `net file` output (list or detail view), or says it is not such output. */
export function readNetFile(
  text: string,
  _hint?: CultureHint
): ParseResult<OpenFile> | NotRecognised {
  return readNetOutput(text, NET_FILE_EXPECTED, {
    list: (table) => (headerLabels(table)?.[0]?.text === 'ID' ? readList(table) : null),
    detail: (table) => (table.ruled ? null : readDetail(table)),
  });
}

/** Parses `net file` output; text that is not such output gives no rows and says so. */
export function parseNetFile(text: string, hint?: CultureHint): ParseResult<OpenFile> {
  return orNotRecognised(readNetFile(text, hint));
}
