/**
 * The path of the first object key a JSON text repeats, or `null`. `JSON.parse` keeps the last of
 * repeated keys silently, while another reader of the same body (a log search, a proxy, a WAF
 * rule, an operator reading a policy file) may take the first: a request or a policy whose meaning
 * depends on who reads it is refused instead.
 * `text` must be valid JSON (parse it first).
 */
export function duplicateKeyPath(text: string): (string | number)[] | null {
  // One frame per open container: an object's keys so far, or an array's index.
  const frames: (
    | { keys: Set<string>; key: string | null; expectKey: boolean }
    | { index: number }
  )[] = [];
  const path = () => frames.map((f) => ('index' in f ? f.index : (f.key ?? '')));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = frames.at(-1);
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top !== undefined && 'keys' in top && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) return path();
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      frames.push({ keys: new Set(), key: null, expectKey: true });
    } else if (c === '[') {
      frames.push({ index: 0 });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',' && top !== undefined) {
      if ('index' in top) top.index++;
      else top.expectKey = true;
    }
  }
  return null;
}
