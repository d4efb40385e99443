import { describe, expect, it } from 'vitest';
import {
  displayWidth,
  labels,
  markerColumn,
  splitLines,
  tokenize,
} from '../../../lib/windows/columns.js';

describe('splitLines', () => {
  it('splits on CRLF, LF and lone CR and drops a byte-order mark', () => {
    expect(splitLines('\uFEFFa\r\nb\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('displayWidth', () => {
  it('counts East Asian full-width characters as two columns', () => {
    expect(displayWidth('ID')).toBe(2);
    expect(displayWidth('用户名')).toBe(6);
    expect(displayWidth('ユーザー名')).toBe(10);
    expect(displayWidth('Привет')).toBe(6);
    expect(displayWidth('𠀋x')).toBe(3);
  });
});

describe('tokenize', () => {
  it('gives display columns and string indices for ASCII text', () => {
    expect(tokenize(' ab  cd')).toEqual([
      { text: 'ab', start: 1, end: 3, from: 1, to: 3 },
      { text: 'cd', start: 5, end: 7, from: 5, to: 7 },
    ]);
  });

  it('measures full-width characters as two columns', () => {
    const [first, second] = tokenize(' 用户名                会话名');
    expect(first).toMatchObject({ text: '用户名', start: 1, end: 7, from: 1, to: 4 });
    expect(second).toMatchObject({ text: '会话名', start: 23, end: 29 });
  });

  it('skips the current-session marker and applies a column shift', () => {
    expect(tokenize('>admin', 0)[0]).toMatchObject({ text: 'admin', start: 1, from: 1 });
    expect(tokenize('admin  x', 1).map((t) => t.start)).toEqual([1, 8]);
  });

  it('treats tabs and the ideographic space as blanks', () => {
    expect(tokenize('a\tb\u3000c').map((t) => [t.text, t.start])).toEqual([
      ['a', 0],
      ['b', 2],
      ['c', 5],
    ]);
  });
});

describe('labels', () => {
  it('keeps single spaces inside a label and splits on two or more', () => {
    const found = labels(
      tokenize(' UTILISATEUR           SESSION            ID  ÉTAT    TEMPS INACT TEMPS SESSION')
    );
    expect(found.map((l) => l.text)).toEqual([
      'UTILISATEUR',
      'SESSION',
      'ID',
      'ÉTAT',
      'TEMPS INACT TEMPS SESSION',
    ]);
    expect(found[1]?.start).toBe(23);
  });
});

describe('markerColumn', () => {
  it('reads the current-session marker and restores a lost leading space', () => {
    expect(markerColumn('>admin')).toEqual({ current: true, shift: 0 });
    expect(markerColumn(' admin')).toEqual({ current: false, shift: 0 });
    expect(markerColumn('admin')).toEqual({ current: false, shift: 1 });
  });
});
