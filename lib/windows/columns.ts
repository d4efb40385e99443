/**
 * Column geometry of the fixed-width tables Windows console tools print. Positions are display
 * columns, not string indices: the console pads East Asian full-width characters as two columns,
 * so a Japanese header lines up with its ASCII data only when measured that way.
 */

/** One whitespace-delimited run of a line. */
export interface Token {
  text: string;
  /** Display column where the token starts. */
  start: number;
  /** Display column just after the token. */
  end: number;
  /** String index of the first character. */
  from: number;
  /** String index just after the last character. */
  to: number;
}

/** Splits on CRLF, LF or a lone CR, dropping a leading byte-order mark. */
export function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\n|\r/);
}

/** East Asian Wide and Fullwidth code points (UAX #11), the ranges console fonts draw double. */
export function isWide(codePoint: number): boolean {
  if (codePoint < 0x1100) return false;
  return (
    codePoint <= 0x115f ||
    (codePoint >= 0x2e80 && codePoint <= 0x303e) ||
    (codePoint >= 0x3041 && codePoint <= 0x33ff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xa000 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}

/** Display width of a string (full-width characters count 2). */
export function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    if (code > 0xffff) i++;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

/**
 * Whitespace-delimited tokens of a line, each with its display and string positions. `shift` is
 * added to every display column (see {@link markerColumn}); a `>` in column 0 is skipped.
 */
export function tokenize(line: string, shift = 0): Token[] {
  const tokens: Token[] = [];
  const length = line.length;
  // Display column of string index i is i + extra: wide characters add one, surrogate pairs of
  // narrow characters take one back.
  let extra = shift;
  let from = -1;
  let start = 0;
  for (let i = line.charCodeAt(0) === 0x3e ? 1 : 0; i < length; i++) {
    const code = line.charCodeAt(i);
    let blank = code === 0x20 || code === 0x09;
    let wide = false;
    let pair = false;
    if (code >= 0x1100) {
      const point = line.codePointAt(i) ?? code;
      pair = point > 0xffff;
      wide = isWide(point);
      blank = point === 0x3000;
    }
    if (blank) {
      if (from >= 0) {
        tokens.push({ text: line.slice(from, i), start, end: i + extra, from, to: i });
        from = -1;
      }
    } else if (from < 0) {
      from = i;
      start = i + extra;
    }
    if (wide) extra++;
    if (pair) {
      i++;
      if (!wide) extra--;
    }
  }
  if (from >= 0)
    tokens.push({ text: line.slice(from), start, end: length + extra, from, to: length });
  return tokens;
}

/**
 * Header labels: tokens joined across single spaces, because localised labels contain one
 * (`IDLE TIME`, `TEMPS INACT`, `NOMBRE USUARIO`) while columns are set apart by two or more.
 */
export function labels(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let current: Token | undefined;
  for (const token of tokens) {
    if (current && token.start - current.end <= 1) {
      current = {
        text: `${current.text} ${token.text}`,
        start: current.start,
        end: token.end,
        from: current.from,
        to: token.to,
      };
      out[out.length - 1] = current;
    } else {
      current = { ...token };
      out.push(current);
    }
  }
  return out;
}

/**
 * Column 0 of a session table: `>` marks the current session, a space any other. Copies pasted
 * from a console often lose that space, which shifts every column left by one: `shift` puts it
 * back.
 */
export function markerColumn(line: string): { current: boolean; shift: number } {
  const first = line.charCodeAt(0);
  if (first === 0x3e /* > */) return { current: true, shift: 0 };
  if (first === 0x20 || first === 0x09) return { current: false, shift: 0 };
  return { current: false, shift: 1 };
}

/** The original text covered by tokens `first..last` (inclusive), inner spacing kept. */
export function spanText(line: string, tokens: readonly Token[], first: number, last: number) {
  const a = tokens[first];
  const b = tokens[last];
  if (!a || !b || last < first) return '';
  return line.slice(a.from, b.to);
}

export function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
