import { z } from 'zod';
import { InvalidCursorError } from './errors.js';

export type Key = Record<string, string>;

/**
 * Which query a cursor belongs to: its index, its partition and its direction. A cursor resumes
 * only that query, so one cannot be replayed against another host's or ticket's history.
 */
export interface CursorScope {
  index: string;
  partition: string;
  keyNames: readonly string[];
  descending: boolean;
}

/**
 * A key value DynamoDB accepts in `ExclusiveStartKey` (non-empty, at most the sort key's 1024
 * bytes): a forged cursor with any other value would fail the query with a ValidationException.
 */
const keyValue = z
  .string()
  .min(1)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 1024);

const cursorSchema = z.object({
  v: z.literal(1),
  i: z.string(),
  p: z.string(),
  d: z.boolean(),
  k: z.record(z.string(), keyValue),
});

const MAX_CURSOR_LENGTH = 4096;

export function encodeCursor(scope: CursorScope, lastEvaluatedKey: Key): string {
  const body = {
    v: 1,
    i: scope.index,
    p: scope.partition,
    d: scope.descending,
    k: lastEvaluatedKey,
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeCursor(scope: CursorScope, cursor: string): Key {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidCursorError('wrong length');
  }
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('not base64url');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError('not JSON', { cause: error });
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError('malformed', { cause: parsed.error });
  const { i, p, d, k } = parsed.data;
  if (i !== scope.index || p !== scope.partition || d !== scope.descending) {
    throw new InvalidCursorError('issued for another query');
  }
  const names = Object.keys(k).sort();
  const expected = [...scope.keyNames].sort();
  if (names.length !== expected.length || names.some((n, idx) => n !== expected[idx])) {
    throw new InvalidCursorError('wrong key attributes');
  }
  if (k[scope.keyNames[0] ?? ''] !== scope.partition) {
    throw new InvalidCursorError('issued for another partition');
  }
  return k;
}
