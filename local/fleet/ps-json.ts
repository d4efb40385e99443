/**
 * Windows PowerShell 5.1 `ConvertTo-Json` (JavaScriptSerializer underneath), for the flat objects
 * `Select-Object` produces. windows-facts.md §12: 0 objects print nothing, 1 prints an object, more
 * print an array; pretty output uses CRLF, 4-space indents and two spaces after `:`.
 */

/** A uint64 CIM property: printed as a bare JSON number, kept exact (ids can exceed 2^53). */
export interface UInt64 {
  readonly uint64: bigint;
}

export type PsValue = string | number | boolean | null | UInt64;
export type PsObject = readonly (readonly [string, PsValue])[];

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** JavaScriptSerializer escapes control characters and HTML-sensitive `<`, `>`, `&`, `'`. */
export function psJsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const short = SHORT_ESCAPES[char];
    const code = char.codePointAt(0) ?? 0;
    if (short) out += short;
    else if (code < 0x20 || char === '<' || char === '>' || char === '&' || char === "'")
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

function scalar(value: PsValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return psJsonString(value);
  if (typeof value === 'object') return value.uint64.toString();
  return String(value);
}

function prettyObject(object: PsObject, indent: string): string[] {
  const members = object.map(
    ([key, value], i) =>
      `${indent}    ${psJsonString(key)}:  ${scalar(value)}${i < object.length - 1 ? ',' : ''}`
  );
  return [`${indent}{`, ...members, `${indent}}`];
}

/** `... | ConvertTo-Json` (pretty). */
export function convertToJsonPretty(objects: readonly PsObject[]): string {
  const [only] = objects;
  if (only === undefined) return '';
  if (objects.length === 1) return prettyObject(only, '').join('\r\n');
  const lines = ['['];
  objects.forEach((object, i) => {
    const block = prettyObject(object, '    ');
    if (i < objects.length - 1) block[block.length - 1] += ',';
    lines.push(...block);
  });
  lines.push(']');
  return lines.join('\r\n');
}

export type PsNested = PsValue | PsObject;
export type PsNestedObject = readonly (readonly [string, PsNested])[];

/** `ConvertTo-Json -Compress` of an ordered hashtable (one level of nesting: the envelope's guard). */
export function convertToJsonCompress(object: PsNestedObject): string {
  const members = object.map(([key, value]) => {
    const text = Array.isArray(value)
      ? convertToJsonCompress(value as PsObject)
      : scalar(value as PsValue);
    return `${psJsonString(key)}:${text}`;
  });
  return `{${members.join(',')}}`;
}
