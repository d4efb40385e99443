import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';

/**
 * What the chaos suite feeds every field: text PowerShell, cmd.exe or a command line could give
 * meaning to, text that only looks harmless, and values of the wrong size or shape.
 * `npm run test:chaos` runs the suite in full (`CHAOS=full`); inside `npm test` it runs small.
 */
export const FULL = process.env.CHAOS === 'full';

/** Strings that must never reach a host: each carries a shell metacharacter or control code. */
export const INJECTIONS: readonly string[] = [
  '; Stop-Computer -Force',
  'a;b',
  'a & calc.exe',
  'a && calc',
  'a || calc',
  'a | Out-File C:\\pwned.txt',
  '`; calc.exe',
  'a`nb',
  '$(Stop-Computer -Force)',
  '$(calc)',
  '@(calc)',
  '@{a=1}',
  `\${env:ComputerName}`,
  '$env:ComputerName',
  'a\nStop-Computer',
  'a\r\nshutdown /s',
  'a\rb',
  'a\u0000b',
  '\u0000',
  'a\u2028b',
  '"; calc.exe; "',
  "'; calc.exe; '",
  '\u201c; calc.exe; \u201d',
  '\u2018; calc; \u2019',
  '\u2013Force; calc',
  '\u2014% calc',
  '--% & calc.exe',
  '--% %COMSPEC%',
  '%COMSPEC% /c calc',
  '%USERNAME%',
  '!PATH!',
  'a > C:\\Windows\\win.ini',
  'a < C:\\x',
  'a^&calc',
  '*',
  '?',
  '[a-z]',
  'a*b?c[d]',
  '..\\..\\Windows\\System32',
  'C:\\Windows\\System32\\cmd.exe /c calc',
  '\\\\evil\\share\\x',
  '<script>alert(1)</script>',
  'x'.repeat(5000),
  '\u{1F600}'.repeat(300),
  ' ',
  '',
];

/** Values of the wrong type or shape for any field. */
export const WRONG_TYPES: readonly unknown[] = [
  null,
  true,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  [],
  ['a'],
  {},
  { $ne: null },
  nested(200),
];

/** An object nested `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** A JSON text nested `depth` arrays deep, too deep for a recursive parser to be casual about. */
export function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

const METACHARS = [';', '&', '|', '`', '$(', '@(', '\n', '\r', '\u0000', '"', "'", '%', '<', '>'];

/** Generated hostile text: printable noise with a metacharacter somewhere in it. */
export const hostileText = fc
  .tuple(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom(...METACHARS),
    fc.string({ unit: 'binary', maxLength: 40 })
  )
  .map(([a, meta, b]) => `${a}${meta}${b}`);

/** Generated values of any JSON shape. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

/** fast-check runs per property: a handful inside `npm test`, many in the full run. */
export const RUNS = FULL ? 300 : 25;

/** fast-check's seed: fixed inside `npm test`, new each full run (its figures name it). */
export const SEED = FULL ? Date.now() % 2 ** 31 : 16;

/** `count` generated values, from {@link SEED}. */
export function samples<T>(arbitrary: fc.Arbitrary<T>, count: number): T[] {
  return fc.sample(arbitrary, { numRuns: count, seed: SEED });
}

/**
 * The figures of one part of the suite, written to `tmp/chaos/<part>.json`; `npm run test:chaos`
 * prints them all as one JSON line at the end.
 */
export function recordFigures(part: string, figures: Record<string, unknown>): void {
  const dir = new URL('../../tmp/chaos/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${part}.json`, dir), `${JSON.stringify(figures)}\n`);
}
