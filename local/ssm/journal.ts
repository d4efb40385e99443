import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { SentCommandRecord } from './types.js';

/** Past this size, a run's journal starts anew (the previous one kept as `<path>.1`). */
const JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

const previous = (path: string) => `${path}.1`;

/**
 * The local SSM's record of every command it accepted, one JSON line each, appended before
 * SendCommand answers. Its in-memory history dies with the process (a SIGKILLed `npm start`
 * takes it along); this file does not, so what a run sent can still be counted after it died.
 * Written synchronously: an append still queued in an async write would die with the process
 * while the command it records had already been answered.
 */
export function journalTo(
  path: string,
  maxBytes = JOURNAL_MAX_BYTES
): (record: SentCommandRecord) => void {
  mkdirSync(dirname(path), { recursive: true });
  // Every `npm start` on a data dir appends to it: past its size a run starts a new one, and the
  // one before stays beside it, so the file stays bounded and the last runs can still be counted.
  let size = existsSync(path) ? statSync(path).size : 0;
  if (size > maxBytes) {
    renameSync(path, previous(path));
    size = 0;
  }
  // A run killed mid-append left half a line: end it, or this run's first record would join it.
  if (size > 0 && lastByte(path, size) !== 0x0a) appendFileSync(path, '\n');
  return (record) => appendFileSync(path, `${JSON.stringify(record)}\n`);
}

function lastByte(path: string, size: number): number {
  const fd = openSync(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, size - 1);
    return byte[0] ?? 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every command a journal holds, across every run that wrote it. A line cut short by a kill
 * mid-append (the last of its run) is left out: its command was never answered, so nothing could
 * act on it.
 */
export function readJournal(path: string): SentCommandRecord[] {
  const records: SentCommandRecord[] = [];
  const text = [previous(path), path]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let parsed: SentCommandRecord & { requestedAt: string };
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    records.push({ ...parsed, requestedAt: new Date(parsed.requestedAt) });
  }
  return records;
}
