import { INSTANCE_ID_PATTERN } from '../../lib/contract.js';
import { SsmApiError, validationError } from './errors.js';

/** Request members read and checked as SSM's JSON protocol does (aws-facts §1.4). */

export type Input = Record<string, unknown>;
export type Operation = (input: Input) => unknown;

export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

export function serialization(message: string): SsmApiError {
  return new SsmApiError('SerializationException', message);
}

export function optionalString(input: Input, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(`${member} must be a string.`);
  return value;
}

export function requiredString(input: Input, member: string, wireName: string): string {
  const value = optionalString(input, member);
  if (value === undefined) {
    throw validationError(wireName, null, 'Member must not be null');
  }
  return value;
}

export function optionalStrings(input: Input, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw serialization(`${member} must be a list of strings.`);
  }
  return value as string[];
}

export function optionalInteger(input: Input, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw serialization(`${member} must be an integer.`);
  }
  return value;
}

export function optionalList(input: Input, member: string): Input[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null)) {
    throw serialization(`${member} must be a list of structures.`);
  }
  return value as Input[];
}

export function checkInstanceId(value: string, wireName: string): void {
  if (!INSTANCE_ID_PATTERN.test(value)) {
    throw validationError(
      wireName,
      value,
      'Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)'
    );
  }
}

export function checkCommandId(value: string, wireName: string): void {
  if (value.length !== 36) {
    throw validationError(wireName, value, 'Member must have length greater than or equal to 36');
  }
}

export function checkMaxResults(value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) {
    throw validationError(
      'maxResults',
      String(value),
      `Member must have value greater than or equal to ${min}`
    );
  }
  if (value > max) {
    throw validationError(
      'maxResults',
      String(value),
      `Member must have value less than or equal to ${max}`
    );
  }
}

export function paginate<T>(items: readonly T[], input: Input, defaultMax: number) {
  const token = optionalString(input, 'NextToken');
  const max = optionalInteger(input, 'MaxResults') ?? defaultMax;
  let start = 0;
  if (token !== undefined) {
    // Only a token this listing issues (the base64url of a positive offset, written as it writes
    // it): base64url decoding skips what is not base64url, and Number() reads '' or ' ' as 0, so a
    // forged token would otherwise restart the listing where SSM refuses it.
    const text = Buffer.from(token, 'base64url').toString('utf8');
    const decoded = Number(text);
    if (
      !/^[1-9]\d*$/.test(text) ||
      Buffer.from(text).toString('base64url') !== token ||
      decoded > items.length
    ) {
      throw new SsmApiError('InvalidNextToken', "The specified token isn't valid.");
    }
    start = decoded;
  }
  const page = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { page, next };
}
