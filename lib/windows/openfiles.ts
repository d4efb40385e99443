import { isDigits, splitLines } from './columns.js';
import { findWindowsError } from './errors.js';
import { orNotRecognised } from './result.js';
import type { CultureHint, NotRecognised, OpenFile, ParseResult } from './types.js';

/**
 * `openfiles /query /fo csv /v` (7 columns) and without `/v` (4 columns), with or without the
 * header (`/nh`) and the INFO preamble about the "maintain objects list" flag:
 * ```
 * "Hostname","ID","Accessed By","Type","#Locks","Open Mode","Open File (Path\executable)"
 * "ARCTIC","1342178304","johndoe","Windows","0","Read","E:\desktop_gis\"
 * ```
 * Header words are localised; the column order is not.
 */

export const OPENFILES_EXPECTED =
  'openfiles /query /fo csv [/v] output: quoted CSV rows (Hostname,ID,Accessed By,Type,#Locks,Open Mode,Open File), "INFO: No shared open files found." or an "ERROR:" report';

/** `INFO: No shared open files found.` and the localised INFO prefixes of the same tool family. */
const INFO_LINE =
  /^(?:INFO|INFORMATION|INFORMATIONEN|INFORMACIÓN|INFORMAZIONI|INFORMATIE|INFORMAÇÕES|ИНФОРМАЦИЯ|INFORMACJA|情報|信息|資訊)\s?:/i;

/** Splits one CSV line; `null` when the line is not CSV (unbalanced or unquoted). */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  const length = line.length;
  while (i < length) {
    if (line.charCodeAt(i) !== 0x22) return null;
    let value = '';
    let j = i + 1;
    for (;;) {
      const quote = line.indexOf('"', j);
      if (quote < 0) return null;
      value += line.slice(j, quote);
      if (line.charCodeAt(quote + 1) === 0x22) {
        value += '"';
        j = quote + 2;
        continue;
      }
      j = quote + 1;
      break;
    }
    fields.push(value);
    if (j === length) return fields;
    if (line.charCodeAt(j) !== 0x2c) return null;
    i = j + 1;
  }
  return null;
}

function nullable(text: string | undefined): string | null {
  return text === undefined || text.length === 0 ? null : text;
}

function toRow(fields: readonly string[]): OpenFile | null {
  if (fields.length === 7) {
    const [, id = '', user, , locks = '', mode, path = ''] = fields;
    if (!isDigits(id)) return null;
    return {
      id,
      path,
      userName: nullable(user),
      openMode: nullable(mode),
      locks: isDigits(locks) ? Number(locks) : null,
    };
  }
  if (fields.length === 4) {
    const [id = '', user, , path = ''] = fields;
    if (!isDigits(id)) return null;
    return { id, path, userName: nullable(user), openMode: null, locks: null };
  }
  return null;
}

/** Parses `openfiles` CSV output, or says it is not such output. */
export function readOpenfiles(
  text: string,
  _hint?: CultureHint
): ParseResult<OpenFile> | NotRecognised {
  const lines = splitLines(text);
  const rows: OpenFile[] = [];
  const warnings: string[] = [];
  let csvLines = 0;
  let infoLines = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line.length === 0) continue;
    if (line.startsWith('"')) {
      const fields = splitCsvLine(line);
      if (!fields) {
        warnings.push(`line ${i + 1} is not CSV: ${line}`);
        continue;
      }
      csvLines++;
      const row = toRow(fields);
      // The header is the one CSV line whose ID column is not a number.
      if (row) rows.push(row);
      else if (fields.length !== 7 && fields.length !== 4)
        warnings.push(`line ${i + 1} has ${fields.length} columns`);
    } else if (INFO_LINE.test(line)) {
      infoLines++;
    }
  }
  if (csvLines > 0) return { rows, error: null, warnings };
  const error = findWindowsError(lines);
  if (error) return { rows: [], error, warnings: [] };
  if (infoLines > 0) return { rows: [], error: null, warnings };
  if (text.trim().length === 0) return { rows: [], error: null, warnings: ['empty output'] };
  return { kind: 'not-recognised', expected: OPENFILES_EXPECTED };
}

/** Parses `openfiles` output; text that is not such output gives no rows and says so. */
export function parseOpenfiles(text: string, hint?: CultureHint): ParseResult<OpenFile> {
  return orNotRecognised(readOpenfiles(text, hint));
}
