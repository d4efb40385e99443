import { describe, expect, it } from 'vitest';
import {
  parseSmbOpenFiles,
  parseSmbSessions,
  readSmbOpenFiles,
  readSmbSessions,
} from '../../../lib/windows/smb-json.js';

// Synthetic documents in the Windows PowerShell 5.1 ConvertTo-Json layout (windows-facts.md §12),
// with property values from the SmbShare docs.

const OPEN_FILE = `{
    "CimClass":  {
                     "CimSuperClassName":  null,
                     "CimClassProperties":  "ClientComputerName ClientUserName FileId Path"
                 },
    "CimInstanceProperties":  [
                                  "FileId = 4415226383569"
                              ],
    "ClientComputerName":  "192.168.101.13",
    "ClientUserName":  "Contoso\\\\Contoso-HV1$",
    "FileId":  18446744073709551615,
    "Locks":  1,
    "Path":  "C:\\\\ClusterStorage\\\\Volume2\\\\VMS\\\\VM4.VHDX",
    "SessionId":  9007199254740993,
    "PSComputerName":  null
}`;

describe('parseSmbOpenFiles', () => {
  it('reads one object and keeps 64-bit ids exact', () => {
    expect(parseSmbOpenFiles(`\uFEFF${OPEN_FILE}\r\n`)).toEqual({
      rows: [
        {
          id: '18446744073709551615',
          path: 'C:\\ClusterStorage\\Volume2\\VMS\\VM4.VHDX',
          userName: 'Contoso\\Contoso-HV1$',
          locks: 1,
          sessionId: '9007199254740993',
          client: '192.168.101.13',
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads an array, nothing at all, and the CDXML not-found error as empty', () => {
    const two = `[${OPEN_FILE},{"FileId":5,"Path":"D:\\\\a","ClientUserName":"","Locks":0}]`;
    expect(parseSmbOpenFiles(two).rows.map((r) => [r.id, r.userName])).toEqual([
      ['18446744073709551615', 'Contoso\\Contoso-HV1$'],
      ['5', null],
    ]);
    expect(parseSmbOpenFiles('')).toEqual({ rows: [], error: null, warnings: [] });
    expect(parseSmbOpenFiles('[]')).toEqual({ rows: [], error: null, warnings: [] });
    expect(
      parseSmbOpenFiles(
        "No MSFT_SmbOpenFile objects found with property 'FileId' equal to '9'.  Verify the value of the property and retry."
      )
    ).toEqual({ rows: [], error: null, warnings: [] });
  });

  it('warns about items without FileId or Path and says session JSON is not open files', () => {
    const mixed = parseSmbOpenFiles('[{"FileId":1,"Path":"C:\\\\x"},{"Path":"C:\\\\y"}]');
    expect(mixed.rows).toHaveLength(1);
    expect(mixed.warnings).toEqual(['item 2 has no FileId and Path; skipped']);
    expect(readSmbOpenFiles('{"SessionId":1,"ClientComputerName":"pc"}')).toMatchObject({
      kind: 'not-recognised',
    });
    expect(readSmbOpenFiles('{ not json')).toMatchObject({ kind: 'not-recognised' });
    expect(readSmbOpenFiles('42')).toMatchObject({ kind: 'not-recognised' });
  });
});

describe('parseSmbSessions', () => {
  it('reads sessions with their opens and idle seconds', () => {
    const text = `[{"SessionId":8813272891441,"ClientComputerName":"[fe80::c8c0:f65d:3bc6:7313]","ClientUserName":"Contoso\\\\Administrator","NumOpens":2,"SecondsIdle":33,"Dialect":"3.1.1"}]`;
    expect(parseSmbSessions(text)).toEqual({
      rows: [
        {
          client: '[fe80::c8c0:f65d:3bc6:7313]',
          userName: 'Contoso\\Administrator',
          clientType: null,
          opens: 2,
          idleSeconds: 33,
          sessionId: '8813272891441',
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads a PowerShell error record as an error and open-file JSON as not sessions', () => {
    const record = [
      'Get-SmbSession : Access denied',
      '    + CategoryInfo          : PermissionDenied: (MSFT_SmbSession:ROOT/Microsoft/Windows/SMB/MSFT_SmbSession) [Get-SmbSession], CimException',
      '    + FullyQualifiedErrorId : Windows System Error 5,Get-SmbSession',
    ].join('\r\n');
    expect(parseSmbSessions(record).error).toEqual({ code: 5, message: 'Access denied' });
    expect(readSmbSessions(OPEN_FILE)).toMatchObject({ kind: 'not-recognised' });
  });
});
