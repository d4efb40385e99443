import { splitLines } from './columns.js';
import { findWindowsError } from './errors.js';
import { orNotRecognised } from './result.js';
import type { CultureHint, NotRecognised, OpenFile, ParseResult, SmbSession } from './types.js';

/**
 * `Get-SmbOpenFile | ConvertTo-Json` and `Get-SmbSession | ConvertTo-Json` as Windows
 * PowerShell 5.1 prints them: nothing for no objects, one object for one, an array for more;
 * CIM noise (`CimClass`, `CimInstanceProperties` …) around the properties; 64-bit ids as JSON
 * numbers, which would lose digits as JavaScript numbers, so they are read as strings.
 */

export const SMB_OPEN_FILE_EXPECTED =
  'Get-SmbOpenFile | ConvertTo-Json output: a JSON object or array of objects with FileId and Path';
export const SMB_SESSION_EXPECTED =
  'Get-SmbSession | ConvertTo-Json output: a JSON object or array of objects with SessionId and ClientComputerName';

/** Quotes the 64-bit id members before `JSON.parse` can round them. */
const ID_MEMBER = /("(?:FileId|SessionId)"\s*:\s*)(\d+)/g;

type JsonObject = Record<string, unknown>;

function readObjects(text: string): JsonObject[] | 'empty' | null {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const trimmed = body.trim();
  if (trimmed.length === 0) return 'empty';
  const first = trimmed.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed.replace(ID_MEMBER, '$1"$2"'));
  } catch {
    return null;
  }
  const items = Array.isArray(value) ? value : [value];
  const objects: JsonObject[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return null;
    objects.push(item as JsonObject);
  }
  return objects;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function count(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return null;
}

function notJson(raw: string, expected: string): ParseResult<never> | NotRecognised {
  const error = findWindowsError(splitLines(raw));
  if (error) return { rows: [], error, warnings: [] };
  return { kind: 'not-recognised', expected };
}

/** CDXML "not found" (`No MSFT_SmbOpenFile objects found with property …`): an empty result. */
function isNotFound(raw: string): boolean {
  return /No MSFT_Smb\w+ objects found/i.test(raw);
}

/** An object that is not a row, and why. */
type Skipped = { skipped: string };

/**
 * The rows of a `ConvertTo-Json` listing: `rowOf` reads one object, or says why it is skipped. A
 * listing none of whose objects reads is not this cmdlet's output.
 */
function readSmbJson<Row extends object>(
  raw: string,
  expected: string,
  rowOf: (object: JsonObject, index: number) => Row | Skipped
): ParseResult<Row> | NotRecognised {
  const objects = readObjects(raw);
  if (objects === 'empty') return { rows: [], error: null, warnings: [] };
  if (objects === null) {
    if (isNotFound(raw)) return { rows: [], error: null, warnings: [] };
    return notJson(raw, expected);
  }
  const rows: Row[] = [];
  const warnings: string[] = [];
  objects.forEach((object, index) => {
    const row = rowOf(object, index);
    if ('skipped' in row) warnings.push(row.skipped);
    else rows.push(row);
  });
  if (rows.length === 0 && objects.length > 0) return { kind: 'not-recognised', expected };
  return { rows, error: null, warnings };
}

function openFileOf(object: JsonObject, index: number): OpenFile | Skipped {
  const id = idOf(object.FileId);
  const path = text(object.Path);
  if (id === null || path === null)
    return { skipped: `item ${index + 1} has no FileId and Path; skipped` };
  const file: OpenFile = {
    id,
    path,
    userName: text(object.ClientUserName),
    locks: count(object.Locks),
  };
  const sessionId = idOf(object.SessionId);
  if (sessionId !== null) file.sessionId = sessionId;
  const client = text(object.ClientComputerName);
  if (client !== null) file.client = client;
  return file;
}

function smbSessionOf(object: JsonObject, index: number): SmbSession | Skipped {
  const client = text(object.ClientComputerName);
  if (client === null || 'FileId' in object) {
    return { skipped: `item ${index + 1} has no ClientComputerName; skipped` };
  }
  const session: SmbSession = {
    client,
    userName: text(object.ClientUserName),
    clientType: null,
    opens: count(object.NumOpens),
    idleSeconds: count(object.SecondsIdle),
  };
  const sessionId = idOf(object.SessionId);
  if (sessionId !== null) session.sessionId = sessionId;
  return session;
}

export function readSmbOpenFiles(
  raw: string,
  _hint?: CultureHint
): ParseResult<OpenFile> | NotRecognised {
  return readSmbJson(raw, SMB_OPEN_FILE_EXPECTED, openFileOf);
}

export function readSmbSessions(
  raw: string,
  _hint?: CultureHint
): ParseResult<SmbSession> | NotRecognised {
  return readSmbJson(raw, SMB_SESSION_EXPECTED, smbSessionOf);
}

/** Parses `Get-SmbOpenFile | ConvertTo-Json`; other text gives no rows and says so. */
export function parseSmbOpenFiles(raw: string, hint?: CultureHint): ParseResult<OpenFile> {
  return orNotRecognised(readSmbOpenFiles(raw, hint));
}

/** Parses `Get-SmbSession | ConvertTo-Json`; other text gives no rows and says so. */
export function parseSmbSessions(raw: string, hint?: CultureHint): ParseResult<SmbSession> {
  return orNotRecognised(readSmbSessions(raw, hint));
}
