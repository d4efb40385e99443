import { NET_FILE_EXPECTED, readNetFile } from './net-file.js';
import { NET_SESSION_EXPECTED, readNetSession } from './net-session.js';
import { OPENFILES_EXPECTED, readOpenfiles } from './openfiles.js';
import { QUSER_EXPECTED, readQuser } from './quser.js';
import { QWINSTA_EXPECTED, readQwinsta } from './qwinsta.js';
import {
  readSmbOpenFiles,
  readSmbSessions,
  SMB_OPEN_FILE_EXPECTED,
  SMB_SESSION_EXPECTED,
} from './smb-json.js';
import type {
  CultureHint,
  NotRecognised,
  OpenFile,
  ParseResult,
  QuserSession,
  QwinstaSession,
  SmbSession,
} from './types.js';

/** Every output this package reads, by the name the CLI and callers use. */
export const OUTPUT_KINDS = [
  'quser',
  'qwinsta',
  'net-session',
  'net-file',
  'openfiles',
  'smb-open-file',
  'smb-session',
] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export interface RowOf {
  quser: QuserSession;
  qwinsta: QwinstaSession;
  'net-session': SmbSession;
  'net-file': OpenFile;
  openfiles: OpenFile;
  'smb-open-file': OpenFile;
  'smb-session': SmbSession;
}

/** Whether a kind lists sessions or open files (the CLI's `sessions` / `files` key). */
export const ROW_NOUN: Record<OutputKind, 'sessions' | 'files'> = {
  quser: 'sessions',
  qwinsta: 'sessions',
  'net-session': 'sessions',
  'net-file': 'files',
  openfiles: 'files',
  'smb-open-file': 'files',
  'smb-session': 'sessions',
};

/** What each kind looks like, for "not recognised" messages. */
export const EXPECTED: Record<OutputKind, string> = {
  quser: QUSER_EXPECTED,
  qwinsta: QWINSTA_EXPECTED,
  'net-session': NET_SESSION_EXPECTED,
  'net-file': NET_FILE_EXPECTED,
  openfiles: OPENFILES_EXPECTED,
  'smb-open-file': SMB_OPEN_FILE_EXPECTED,
  'smb-session': SMB_SESSION_EXPECTED,
};

type Reader<K extends OutputKind> = (
  text: string,
  hint?: CultureHint
) => ParseResult<RowOf[K]> | NotRecognised;

const READERS: { [K in OutputKind]: Reader<K> } = {
  quser: readQuser,
  qwinsta: readQwinsta,
  'net-session': readNetSession,
  'net-file': readNetFile,
  openfiles: readOpenfiles,
  'smb-open-file': readSmbOpenFiles,
  'smb-session': readSmbSessions,
};

export function isOutputKind(value: string): value is OutputKind {
  return (OUTPUT_KINDS as readonly string[]).includes(value);
}

/** Parses the output of one command, or says the text is not that command's output. */
export function readOutput<K extends OutputKind>(
  kind: K,
  text: string,
  hint?: CultureHint
): ParseResult<RowOf[K]> | NotRecognised {
  const reader = READERS[kind] as Reader<K>;
  return reader(text, hint);
}

/**
 * Which command printed this table, judged by its rows; `null` when none matches. Error reports
 * and empty output carry no table, so they never identify a command.
 */
export function detectOutputKind(text: string, hint?: CultureHint): OutputKind | null {
  for (const kind of OUTPUT_KINDS) {
    const result = readOutput(kind, text, hint);
    if (!('kind' in result) && result.rows.length > 0) return kind;
  }
  return null;
}
