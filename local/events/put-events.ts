import { randomUUID } from 'node:crypto';
import { AwsJsonError } from '../aws-json/server.js';
import type { AnyEventBridgeEvent } from '../runtime/event-bus.js';

/** PutEvents' limits (aws-facts §8.5): 1–10 entries, under 256 KB of entries in all. */
export const MAX_ENTRIES = 10;
export const MAX_TOTAL_ENTRY_BYTES = 256 * 1024;
const MAX_DETAIL_TYPE = 128;

export interface PutEventsContext {
  account: string;
  region: string;
  /** The bus names this endpoint knows (`default` is always one). */
  buses: readonly string[];
  clock: () => Date;
  deliver: (event: AnyEventBridgeEvent, bus: string) => void;
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/**
 * An entry's size as EventBridge counts it toward the 256 KB: 14 bytes for a Time, then the UTF-8
 * bytes of Source, DetailType, Detail and each resource.
 */
export function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((n: number, r) => n + bytes(r), 0)
  );
}

function invalid(field: string, reason: string): ResultEntry {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
  };
}

function busName(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'default';
  // A bus ARN names the bus after `event-bus/`.
  const arn = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/(.+)$/.exec(value);
  return arn ? (arn[1] as string) : value;
}

function timeOf(value: unknown, now: Date): Date | null {
  if (value === undefined) return now;
  // The SDKs and the CLI send a timestamp as epoch seconds.
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  return null;
}

/**
 * One entry checked as EventBridge checks it: a failed entry fails alone, with its `ErrorCode`,
 * and the others still go on the bus.
 */
function putEntry(context: PutEventsContext, entry: unknown): ResultEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new AwsJsonError('SerializationException', 'Each entry must be a JSON object.');
  }
  const e = entry as Record<string, unknown>;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') {
      return invalid(field, `${field} is a required argument.`);
    }
  }
  const detailType = e.DetailType as string;
  if (detailType.length > MAX_DETAIL_TYPE) {
    return invalid('DetailType', `DetailType is at most ${MAX_DETAIL_TYPE} characters.`);
  }
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail as string);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const bus = busName(e.EventBusName);
  if (!context.buses.includes(bus)) {
    return {
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: `Event bus ${bus} does not exist.`,
    };
  }
  const resources = e.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) {
    return invalid('Resources', 'Resources must be a list of strings.');
  }
  const time = timeOf(e.Time, context.clock());
  if (time === null) return invalid('Time', 'Time must be a timestamp.');
  const id = randomUUID();
  context.deliver(
    {
      version: '0',
      id,
      'detail-type': detailType,
      source: e.Source as string,
      account: context.account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: context.region,
      resources: resources as string[],
      detail,
    },
    bus
  );
  return { EventId: id };
}

/** `PutEvents`, request in and response out, with EventBridge's whole-request and per-entry checks. */
export function putEvents(
  context: PutEventsContext,
  input: Record<string, unknown>
): { FailedEntryCount: number; Entries: ResultEntry[] } {
  const entries = input.Entries;
  if (!Array.isArray(entries)) {
    throw new AwsJsonError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"
    );
  }
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`
    );
  }
  const total = entries.reduce(
    (n: number, entry) => n + (typeof entry === 'object' && entry !== null ? entrySize(entry) : 0),
    0
  );
  if (total > MAX_TOTAL_ENTRY_BYTES) {
    throw new AwsJsonError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.'
    );
  }
  const results = entries.map((entry) => putEntry(context, entry));
  return {
    FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
    Entries: results,
  };
}
