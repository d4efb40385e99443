import { isDigits, labels, markerColumn, type Token, tokenize } from './columns.js';
import { type SessionTableKind, sessionTableOfLabel, stateFromWord } from './locale.js';
import type { SessionState } from './types.js';

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
  /** Index of the ID token; the state word is the next one. */
  anchor: number;
  state: SessionState;
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
  /** Non-blank lines that are neither header, row nor a `/COUNTER` total. */
  stray: { lineNo: number; text: string }[];
}

function findAnchor(tokens: readonly Token[]): { anchor: number; state: SessionState } | null {
  for (let k = 0; k + 1 < tokens.length; k++) {
    const id = tokens[k];
    const word = tokens[k + 1];
    if (!id || !word || !isDigits(id.text)) continue;
    const state = stateFromWord(word.text);
    if (state !== null) return { anchor: k, state };
  }
  return null;
}

/** Spanish prints `ID. ESTADO` with one space, so the ID label may share a label with STATE. */
function isIdLabel(text: string): boolean {
  const space = text.indexOf(' ');
  const word = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  return word === 'ID' || word === 'ID.';
}

/** `/COUNTER` totals (`Total sessions created: 5`) and their translations end in `: <number>`. */
function isCounterLine(trimmed: string): boolean {
  return /:\s*\d+$/.test(trimmed);
}

export function readSessionTable(lines: readonly string[]): SessionTable {
  let header: SessionHeader | null = null;
  const rows: SessionLine[] = [];
  const stray: { lineNo: number; text: string }[] = [];
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
    if (!isCounterLine(trimmed)) stray.push({ lineNo: i + 1, text: trimmed });
  }
  return { header, rows, stray };
}

/** Warnings for lines that could not be read, so a missing row is never silent. */
export function strayWarnings(table: SessionTable): string[] {
  return table.stray.map(
    ({ lineNo, text }) => `line ${lineNo} not understood: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`
  );
}

/** A date inside a token (`3/25/2021`, `10.08.2026`, `2026-10-10`): quser's LOGON TIME. */
export function looksLikeDate(text: string): boolean {
  return /\d[./-]\d{1,2}[./-]\d/.test(text);
}

/** Whether most rows carry a logon date after the state, as `quser` rows do and qwinsta's never. */
export function rowsCarryLogonDates(table: SessionTable): boolean {
  let dated = 0;
  for (const row of table.rows) {
    for (let i = row.anchor + 2; i < row.tokens.length; i++) {
      if (looksLikeDate(row.tokens[i]?.text ?? '')) {
        dated++;
        break;
      }
    }
  }
  return dated * 2 > table.rows.length;
}
