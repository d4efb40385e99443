import { describe, expect, it } from 'vitest';
import {
  convertToJsonCompress,
  convertToJsonPretty,
  type PsObject,
  psJsonString,
} from '../../../local/fleet/ps-json.js';

const a: PsObject = [
  ['SessionId', { uint64: 8813272891441n }],
  ['ClientUserName', 'CORP\\alice'],
  ['NumOpens', { uint64: 2n }],
];
const b: PsObject = [
  ['SessionId', { uint64: 18446744073709551615n }],
  ['ClientUserName', null],
  ['NumOpens', { uint64: 0n }],
];

describe('Windows PowerShell 5.1 ConvertTo-Json', () => {
  it('prints nothing for no objects', () => {
    expect(convertToJsonPretty([])).toBe('');
  });

  it('prints one object as an object, not an array', () => {
    expect(convertToJsonPretty([a])).toBe(
      [
        '{',
        '    "SessionId":  8813272891441,',
        '    "ClientUserName":  "CORP\\\\alice",',
        '    "NumOpens":  2',
        '}',
      ].join('\r\n')
    );
  });

  it('prints several objects as an array with 4-space nesting and two spaces after colons', () => {
    const text = convertToJsonPretty([a, b]);
    expect(text.split('\r\n')).toEqual([
      '[',
      '    {',
      '        "SessionId":  8813272891441,',
      '        "ClientUserName":  "CORP\\\\alice",',
      '        "NumOpens":  2',
      '    },',
      '    {',
      '        "SessionId":  18446744073709551615,',
      '        "ClientUserName":  null,',
      '        "NumOpens":  0',
      '    }',
      ']',
    ]);
  });

  it('keeps uint64 ids exact past 2^53', () => {
    expect(convertToJsonPretty([b])).toContain('18446744073709551615');
  });

  it("escapes like JavaScriptSerializer: control characters and < > & ' as \\u00XX", () => {
    expect(psJsonString(`a<b>&'"\\\r\n\t\u0001é日`)).toBe(
      '"a\\u003cb\\u003e\\u0026\\u0027\\"\\\\\\r\\n\\t\\u0001é日"'
    );
    expect(JSON.parse(psJsonString(`O'Brien & <Co>`))).toBe(`O'Brien & <Co>`);
  });

  it('compresses an ordered hashtable with a nested object', () => {
    const text = convertToJsonCompress([
      ['operation', 'LogoffSession'],
      ['exitCode', 21],
      ['ok', false],
      ['guard', [['code', 'user-mismatch']]],
      ['none', null],
    ]);
    expect(text).toBe(
      '{"operation":"LogoffSession","exitCode":21,"ok":false,"guard":{"code":"user-mismatch"},"none":null}'
    );
  });
});
