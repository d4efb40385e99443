import { describe, expect, it } from 'vitest';
import {
  asciiOnly,
  convertToJsonCompress,
  type PsJson,
  psJsonString,
} from '../../../local/fleet/ps-json.js';

const row = (id: string, user: string | null) =>
  new Map<string, PsJson>([
    ['SessionId', id],
    ['ClientUserName', user],
    ['NumOpens', 2],
  ]);

describe('Windows PowerShell 5.1 ConvertTo-Json -Compress', () => {
  it('keeps an @() array an array with no, one and many items', () => {
    expect(convertToJsonCompress([])).toBe('[]');
    expect(convertToJsonCompress([row('8813272891441', 'CORP\\alice')])).toBe(
      '[{"SessionId":"8813272891441","ClientUserName":"CORP\\\\alice","NumOpens":2}]'
    );
    expect(convertToJsonCompress([row('1', 'a'), row('18446744073709551615', null)])).toBe(
      '[{"SessionId":"1","ClientUserName":"a","NumOpens":2},{"SessionId":"18446744073709551615","ClientUserName":null,"NumOpens":2}]'
    );
  });

  it('prints an ordered hashtable in insertion order, nested objects included', () => {
    const text = convertToJsonCompress(
      new Map<string, PsJson>([
        ['operation', 'LogoffSession'],
        ['exitCode', 21],
        ['ok', false],
        ['guard', new Map([['code', 'user-mismatch']])],
        ['none', null],
      ])
    );
    expect(text).toBe(
      '{"operation":"LogoffSession","exitCode":21,"ok":false,"guard":{"code":"user-mismatch"},"none":null}'
    );
  });

  it("escapes like JavaScriptSerializer: control characters and < > & ' as \\u00XX", () => {
    expect(psJsonString(`a<b>&'"\\\r\n\t\u0001é日`)).toBe(
      '"a\\u003cb\\u003e\\u0026\\u0027\\"\\\\\\r\\n\\t\\u0001é日"'
    );
    expect(JSON.parse(psJsonString(`O'Brien & <Co>`))).toBe(`O'Brien & <Co>`);
  });

  it('escapes every non-ASCII UTF-16 unit for the agent, and JSON reads the text back', () => {
    const text = 'Déco 切断 😀';
    const json = asciiOnly(convertToJsonCompress(text));
    expect(json).toBe('"D\\u00e9co \\u5207\\u65ad \\ud83d\\ude00"');
    expect(JSON.parse(json)).toBe(text);
  });
});
