import { readQuser } from '../windows/quser.js';
import { type RemoteShell, readShells } from '../windows/shells.js';
import { readSmbOpenFiles } from '../windows/smb-json.js';
import type { OpenFile, QuserSession } from '../windows/types.js';
import type { HostEnvelope } from './host-contract.js';

export type SessionListing =
  | {
      kind: 'listed';
      rows: QuserSession[];
      warnings: string[];
      /** The host's WTS DisconnectTime of each disconnected session it knows one for. */
      disconnectTimes: ReadonlyMap<number, string>;
      /** The host's WTS console session id, `null` when none is attached or WTS was not asked. */
      consoleSessionId: number | null;
    }
  | { kind: 'failed'; reason: string };

/**
 * The sessions a `ListSessions` envelope reports, read with the host's own date patterns. quser
 * prints "No User exists for *" on stderr (and nothing on stdout) when nobody is logged on: that is
 * an empty list. Output that is not quser's, or a quser error, is a failure with its reason.
 */
export function sessionListingOf(envelope: HostEnvelope): SessionListing {
  const text = envelope.stdout.trim() !== '' ? envelope.stdout : envelope.stderr;
  const parsed = readQuser(text, envelope);
  if ('kind' in parsed)
    return { kind: 'failed', reason: `not quser output: expected ${parsed.expected}` };
  if (parsed.error) return { kind: 'failed', reason: `quser failed: ${parsed.error.message}` };
  const disconnectTimes = new Map<number, string>();
  for (const { sessionId, disconnectTime } of envelope.disconnectTimes ?? []) {
    if (disconnectTime !== null) disconnectTimes.set(sessionId, disconnectTime);
  }
  return {
    kind: 'listed',
    rows: parsed.rows,
    warnings: parsed.warnings,
    disconnectTimes,
    consoleSessionId: envelope.consoleSessionId,
  };
}

export type OpenFilesPage =
  | { kind: 'listed'; rows: OpenFile[]; warnings: string[]; next: HostEnvelope['next'] }
  | { kind: 'failed'; reason: string };

/**
 * One page of a `ListOpenFiles` envelope. Only a whole page says which files are open: a listing
 * the host had to cut, could not make, or that does not read as `Get-SmbOpenFile` JSON is a
 * failure, never an empty list (which would read as "not open").
 */
export function openFilesPageOf(envelope: HostEnvelope): OpenFilesPage {
  if (envelope.exitCode !== 0) {
    return { kind: 'failed', reason: `ListOpenFiles failed: ${envelope.stderr.trim()}` };
  }
  if (envelope.stdoutTruncated) {
    return {
      kind: 'failed',
      reason: 'the host had to cut its open-file listing, which therefore cannot say what is open',
    };
  }
  const parsed = readSmbOpenFiles(envelope.stdout);
  if ('kind' in parsed)
    return { kind: 'failed', reason: `not a listing: expected ${parsed.expected}` };
  if (parsed.error) return { kind: 'failed', reason: `listing failed: ${parsed.error.message}` };
  return { kind: 'listed', rows: parsed.rows, warnings: parsed.warnings, next: envelope.next };
}

export type ShellListing =
  | { kind: 'listed'; rows: RemoteShell[]; warnings: string[] }
  | { kind: 'failed'; reason: string };

/**
 * The shells a `ListShells` envelope reports. As with open files, only a whole listing says which
 * shells exist: WinRM not answering, a cut listing or text that is not the shell list is a
 * failure, never "no shells".
 */
export function shellListingOf(envelope: HostEnvelope): ShellListing {
  if (envelope.exitCode !== 0) {
    return { kind: 'failed', reason: `ListShells failed: ${envelope.stderr.trim()}` };
  }
  if (envelope.stdoutTruncated) {
    return { kind: 'failed', reason: 'the host had to cut its shell listing' };
  }
  const parsed = readShells(envelope.stdout);
  if ('kind' in parsed)
    return { kind: 'failed', reason: `not a listing: expected ${parsed.expected}` };
  return { kind: 'listed', rows: parsed.rows, warnings: parsed.warnings };
}
