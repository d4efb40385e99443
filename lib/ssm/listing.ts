import { readQuser } from '../windows/quser.js';
import type { QuserSession } from '../windows/types.js';
import type { HostEnvelope } from './host-contract.js';

export type SessionListing =
  | { kind: 'listed'; rows: QuserSession[]; warnings: string[] }
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
  return { kind: 'listed', rows: parsed.rows, warnings: parsed.warnings };
}
