import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SentCommandRecord } from './types.js';

/**
 * The local SSM's record of every command it accepted, one JSON line each, appended before
 * SendCommand answers. Its in-memory history dies with the process (a SIGKILLed `npm start`
 * takes it along); this file does not, so what a run sent can still be counted after it died.
 * Written synchronously: an append still queued in an async write would die with the process
 * while the command it records had already been answered.
 */
export function journalTo(path: string): (record: SentCommandRecord) => void {
  mkdirSync(dirname(path), { recursive: true });
  // A run killed mid-append left half a line: end it, or this run's first record would join it.
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (text !== '' && !text.endsWith('\n')) appendFileSync(path, '\n');
  return (record) => appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/**
 * Every command a journal holds, across every run that wrote it. A line cut short by a kill
 * mid-append (the last of its run) is left out: its command was never answered, so nothing could
 * act on it.
 */
export function readJournal(path: string): SentCommandRecord[] {
  if (!existsSync(path)) return [];
  const records: SentCommandRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
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
