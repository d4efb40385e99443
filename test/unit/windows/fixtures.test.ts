import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isOutputKind, readOutput } from '../../../lib/windows/output-kind.js';
import type { CultureHint } from '../../../lib/windows/types.js';

// Walks test/fixtures/windows/manifest.json (real captures, plus a few labelled synthetic) and
// checks each file against the facts recorded next to it.

const root = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/windows');

interface Entry {
  file: string;
  command: string;
  locale: string;
  synthetic: boolean;
  hint?: CultureHint;
  expect: {
    rows: number;
    error: null | { code: number | null };
    first?: Record<string, unknown>;
    states?: string[];
    counters?: Record<string, number>;
  };
}

const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Entry[];

describe('Windows output fixtures', () => {
  it('lists only commands the parsers know', () => {
    expect(manifest.length).toBeGreaterThan(0);
    for (const entry of manifest) expect(isOutputKind(entry.command), entry.file).toBe(true);
  });

  it.each(manifest.map((entry) => [`${entry.command} ${entry.file}`, entry] as const))(
    'parses %s to its recorded facts',
    (_title, entry) => {
      const text = readFileSync(join(root, entry.file), 'utf8');
      if (!isOutputKind(entry.command)) throw new Error(`unknown command ${entry.command}`);
      const result = readOutput(entry.command, text, entry.hint);
      if ('kind' in result) throw new Error(`not recognised: ${result.expected}`);
      expect(result.rows).toHaveLength(entry.expect.rows);
      if (entry.expect.error === null) expect(result.error).toBeNull();
      else expect(result.error).toMatchObject(entry.expect.error);
      if (entry.expect.first) expect(result.rows[0]).toMatchObject(entry.expect.first);
      if (entry.expect.states) {
        expect(result.rows.map((row) => (row as { state: string }).state)).toEqual(
          entry.expect.states
        );
      }
      if (entry.expect.counters) expect(result).toMatchObject({ counters: entry.expect.counters });
    }
  );
});
