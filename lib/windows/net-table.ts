import { labels, splitLines, type Token, tokenize } from './columns.js';
import { findWindowsError } from './errors.js';
import { isCompletedMessage, isNoEntriesMessage } from './locale.js';
import type { NotRecognised, ParseResult } from './types.js';

/**
 * The layout `net.exe` uses for lists (`net session`, `net file`):
 * ```
 * Computer               User name            Client Type       Opens Idle time
 *
 * -------------------------------------------------------------------------------
 * \\10.10.75.1           sec504                                     5 00:01:57
 * The command completed successfully.
 * ```
 * and for one item (`net session \\client`, `net file ID`): `Label<spaces>value` lines.
 */

export interface NetTable {
  /** Lines before the dashed rule (the header, or key/value lines of a detail view). */
  before: { lineNo: number; text: string }[];
  /** Non-blank lines after the rule. */
  after: { lineNo: number; text: string }[];
  ruled: boolean;
}

function isRule(line: string): boolean {
  const trimmed = line.trimEnd();
  if (trimmed.length < 10) return false;
  for (let i = 0; i < trimmed.length; i++) if (trimmed.charCodeAt(i) !== 0x2d) return false;
  return true;
}

export function readNetTable(lines: readonly string[]): NetTable {
  const before: NetTable['before'] = [];
  const after: NetTable['after'] = [];
  let ruled = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!ruled && isRule(line)) {
      ruled = true;
      continue;
    }
    if (line.trim().length === 0) continue;
    (ruled ? after : before).push({ lineNo: i + 1, text: line.trimEnd() });
  }
  return { before, after, ruled };
}

/** The header's labels (the last line before the rule), or `null` without a rule. */
export function headerLabels(table: NetTable): Token[] | null {
  if (!table.ruled) return null;
  const header = table.before[table.before.length - 1];
  return header ? labels(tokenize(header.text)) : null;
}

/** A detail view's `Label   value` line; the label may contain single spaces. */
export function keyValue(line: string): { key: string; value: string } | null {
  const gap = /\S(\s{2,})/.exec(line);
  if (!gap) {
    const key = line.trim();
    return key.length > 0 ? { key, value: '' } : null;
  }
  const split = gap.index + 1;
  return {
    key: line.slice(0, split).trim(),
    value: line.slice(split + (gap[1]?.length ?? 0)).trim(),
  };
}

/** `The command completed successfully.` and its translations: the last line, no row shape. */
export function isTrailer(entry: { text: string }, index: number, count: number): boolean {
  return index === count - 1 && /[.。]$/.test(entry.text);
}

/**
 * What `net.exe` prints instead of a table: "There are no entries in the list.", an error, "The
 * command completed successfully." alone, or nothing. `null` when the text is none of these.
 */
export function netMessage(lines: readonly string[], text: string): ParseResult<never> | null {
  if (lines.some(isNoEntriesMessage)) return { rows: [], error: null, warnings: [] };
  const error = findWindowsError(lines);
  if (error) return { rows: [], error, warnings: [] };
  if (lines.some(isCompletedMessage)) return { rows: [], error: null, warnings: [] };
  if (text.trim().length === 0) return { rows: [], error: null, warnings: ['empty output'] };
  return null;
}

/**
 * `net.exe` output read as its list (one header line above the rule), its detail view or one of
 * its messages. A view answers `null` when the table is not that view of this command.
 */
export function readNetOutput<Row>(
  text: string,
  expected: string,
  views: {
    list: (table: NetTable) => ParseResult<Row> | null;
    detail: (table: NetTable) => ParseResult<Row> | null;
  }
): ParseResult<Row> | NotRecognised {
  const lines = splitLines(text);
  const table = readNetTable(lines);
  const notRecognised: NotRecognised = { kind: 'not-recognised', expected };
  if (table.ruled && table.before.length === 1) return views.list(table) ?? notRecognised;
  return views.detail(table) ?? netMessage(lines, text) ?? notRecognised;
}

/** A list's rows: a line `rowOf` cannot read is a warning, unless it is the trailer. */
export function netRows<Row>(
  table: NetTable,
  rowOf: (entry: NetTable['after'][number]) => Row | null,
  warnings: string[] = []
): ParseResult<Row> {
  const rows: Row[] = [];
  table.after.forEach((entry, index) => {
    const row = rowOf(entry);
    if (row) rows.push(row);
    else if (!isTrailer(entry, index, table.after.length))
      warnings.push(`line ${entry.lineNo} not understood: ${entry.text}`);
  });
  return { rows, error: null, warnings };
}
