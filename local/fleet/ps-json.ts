/**
 * Windows PowerShell 5.1 `ConvertTo-Json -Compress` (JavaScriptSerializer underneath), as the
 * document's script uses it: ordered hashtables and `Select-Object` rows become objects (here a
 * `Map`, which keeps member order), `@(...)` arrays stay arrays even with 0 or 1 item.
 */
export type PsJson = string | number | boolean | null | readonly PsJson[] | PsObject;
export type PsObject = ReadonlyMap<string, PsJson>;

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** JavaScriptSerializer escapes control characters and the HTML-sensitive `<`, `>`, `&`, `'`. */
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

export function convertToJsonCompress(value: PsJson): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return psJsonString(value);
  if (typeof value !== 'object') return String(value);
  if (value instanceof Map) {
    const members = [...value].map(
      ([key, item]) => `${psJsonString(key)}:${convertToJsonCompress(item)}`
    );
    return `{${members.join(',')}}`;
  }
  return `[${(value as readonly PsJson[]).map(convertToJsonCompress).join(',')}]`;
}

/**
 * The document escapes every non-ASCII UTF-16 unit as `\uxxxx` after ConvertTo-Json: the agent
 * decodes stdout with the console code page, which would garble anything else.
 */
export function asciiOnly(json: string): string {
  return json.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`
  );
}
