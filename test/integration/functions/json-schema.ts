/**
 * A validator for the JSON Schema 2020-12 keywords `events/session-idle.schema.json` uses, with
 * ECMA-262 `u`-flag patterns as the specification and ajv read them (zod's `fromJSONSchema` builds
 * patterns without the `u` flag, so `\p{L}` would not mean "a letter" there). Unknown keywords
 * fail loudly: a schema edit that needs more support breaks this test instead of passing it.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'type',
  'required',
  'properties',
  'additionalProperties',
  'const',
  'enum',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'items',
  'anyOf',
]);

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key)) throw new Error(`unsupported keyword ${key} at ${path}`);
  }
  const errors: string[] = [];
  if ('const' in schema && value !== schema.const)
    errors.push(`${path}: not ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: not in enum`);
  if (Array.isArray(schema.anyOf)) {
    const ok = schema.anyOf.some((s) => validate(s as Schema, value, path).length === 0);
    if (!ok) errors.push(`${path}: matches no anyOf branch`);
  }
  if (typeof schema.type === 'string' && !hasType(schema.type, value)) {
    return [...errors, `${path}: not ${schema.type}`];
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      errors.push(`${path}: does not match ${schema.pattern}`);
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
      errors.push(`${path}: not a date-time`);
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: < min`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: > max`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errors.push(`${path}: too few items`);
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errors.push(`${path}: too many items`);
    }
    if (schema.items) {
      value.forEach((item, i) => {
        errors.push(...validate(schema.items as Schema, item, `${path}[${i}]`));
      });
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in object)) errors.push(`${path}.${key}: required`);
    }
    for (const [key, item] of Object.entries(object)) {
      const sub = properties[key];
      if (sub) errors.push(...validate(sub, item, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
    }
  }
  return errors;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
