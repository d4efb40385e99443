import { z } from 'zod';
import { InvalidLedgerInputError } from './errors.js';

/** Parses `value` or throws {@link InvalidLedgerInputError} naming every bad field. */
export function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${[what, ...i.path].join('.')}: ${i.message}`);
  throw new InvalidLedgerInputError(`invalid ${what}`, issues, { cause: parsed.error });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

const instantSchema = z.date({ error: 'must be a valid Date' });

/** A valid Date as ISO 8601 UTC, or {@link InvalidLedgerInputError} (never a RangeError). */
export function iso(date: Date, what: string): string {
  return check(instantSchema, date, what).toISOString();
}

/** A name the ledger keys items by (a sweep id, a quota scope). */
export const keySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:@+=-]+$/, 'letters, digits and . : @ + = _ - only');
