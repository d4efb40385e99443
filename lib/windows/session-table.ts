import { isDigits, labels, markerColumn, type Token, tokenize } from './columns.js';
import { findWindowsError } from './errors.js';
import {
  type SessionTableKind,
  sessionTableOfLabel,
  stateFromWord,
  statePhrase,
} from './locale.js';
import type { ParseResult, SessionState } from './types.js';

/**
 * The shared reading of `quser` and `qwinsta` tables. A data row is found by its anchor, the
 * session ID followed by a state word: everything left of it is name columns (split by the
 * header's positions), everything right of it is the command's trailing columns. Anchoring on
 * data rather than on fixed positions survives overflowing values, lost leading spaces and
 * headers whose labels contain single spaces.
 */

export interface SessionLine {
  /** 1-based line number in the output, for warnings. */
  lineNo: number;
  line: string;
  current: boolean;
  tokens: Token[];
  /** Index of the ID token; the state word(s) follow it. */
  anchor: number;
  state: SessionState;
  /** Index of the first token after the state. */
  after: number;
}

export interface SessionHeader {
  kind: SessionTableKind | null;
  labels: Token[];
  /** Index of the `ID` label. */
  idLabel: number;
}

export interface SessionTable {
  header: SessionHeader | null;
  rows: SessionLine[];
  /** Values of `/COUNTER` total lines, in printed order. */
  counters: number[];
  /** Non-blank lines that are neither header, row nor a `/COUNTER` total. */
  stray: { lineNo: number; text: string }[];
}

function findAnchor(
  tokens: readonly Token[]
): { anchor: number; state: SessionState; after: number } | null {
  for (let k = 0; k + 1 < tokens.length; k++) {
    const id = tokens[k];
    const word = tokens[k + 1];
    if (!id || !word || !isDigits(id.text)) continue;
    const state = stateFromWord(word.text);
    if (state !== null) return { anchor: k, state, after: k + 2 };
    const phrase = statePhrase(tokens.slice(k + 1, k + 4).map((token) => token.text));
    if (phrase) return { anchor: k, state: phrase.state, after: k + 1 + phrase.length };
  }
  return null;
}

/** Spanish prints `ID. ESTADO` with one space, so the ID label may share a label with STATE. */
function isIdLabel(text: string): boolean {
  const space = text.indexOf(' ');
  const word = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  return word === 'ID' || word === 'ID.';
}

/**
 * `/COUNTER` totals (`Total sessions created: 5`) and their translations: words, a colon and one
 * number. Table rows always carry digits before any colon (the ID), so they never match.
 */
function counterValue(trimmed: string): number | null {
  const match = /^[^\d:]+:\s*(\d{1,9})$/.exec(trimmed);
  return match ? Number(match[1]) : null;
}

export function readSessionTable(lines: readonly string[]): SessionTable {
  let header: SessionHeader | null = null;
  const rows: SessionLine[] = [];
  const stray: { lineNo: number; text: string }[] = [];
  const counters: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const marker = markerColumn(raw);
    const tokens = tokenize(raw, marker.shift);
    if (tokens.length === 0) continue;
    const found = findAnchor(tokens);
    if (found) {
      rows.push({ lineNo: i + 1, line: raw, current: marker.current, tokens, ...found });
      continue;
    }
    if (header === null && rows.length === 0) {
      const headerLabels = labels(tokens);
      const idLabel = headerLabels.findIndex((label) => isIdLabel(label.text));
      if (idLabel > 0) {
        const first = headerLabels[0]?.text ?? '';
        header = { kind: sessionTableOfLabel(first), labels: headerLabels, idLabel };
        continue;
      }
    }
    const trimmed = raw.trim();
    const counter = counterValue(trimmed);
    if (counter === null) stray.push({ lineNo: i + 1, text: trimmed });
    else counters.push(counter);
  }
  return { header, rows, stray, counters };
}

/** Warnings for lines that could not be read, so a missing row is never silent. */
export function strayWarnings(table: SessionTable): string[] {
  return table.stray.map(
    ({ lineNo, text }) =>
      `line ${lineNo} not understood: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`
  );
}

/**
 * What a session listing without rows says: the tool's error, an empty list (its own header and
 * nothing else), empty output, or `null`: not this tool's output.
 */
export function emptyListing(
  lines: readonly string[],
  text: string,
  table: SessionTable,
  kind: SessionHeader['kind']
): ParseResult<never> | null {
  const error = findWindowsError(lines);
  if (error) return { rows: [], error, warnings: [] };
  if (table.header?.kind === kind) return { rows: [], error: null, warnings: strayWarnings(table) };
  if (text.trim().length === 0) return { rows: [], error: null, warnings: ['empty output'] };
  return null;
}

/** A date inside a token (`3/25/2021`, `10.08.2026`, `2026-10-10`): quser's LOGON TIME. */
export function looksLikeDate(text: string): boolean {
  return /\d[./-]\d{1,2}[./-]\d/.test(text);
}

/** Whether most rows carry a logon date after the state, as `quser` rows do and qwinsta's never. */
export function rowsCarryLogonDates(table: SessionTable): boolean {
  let dated = 0;
  for (const row of table.rows) {
    for (let i = row.after; i < row.tokens.length; i++) {
      if (looksLikeDate(row.tokens[i]?.text ?? '')) {
        dated++;
        break;
      }
    }
  }
  return dated * 2 > table.rows.length;
}
