import { describe, expect, it } from 'vitest';
import { parseQuser, readQuser } from '../../../lib/windows/quser.js';

// Captures from windows-facts.md §3.3 are real; cases marked "synthetic" are built from the
// localised header and state words to cover languages without a public capture.

const ENGLISH = [
  ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
  '>administrator         rdp-tcp#2           1  Active          .  3/25/2021 9:27 AM',
  ' john.smith                                3  Disc     11+04:12  2022-03-31 5:09 PM',
].join('\r\n');

describe('parseQuser', () => {
  it('reads the English layout, with the disconnected session lacking a session name', () => {
    expect(parseQuser(ENGLISH)).toEqual({
      rows: [
        {
          userName: 'administrator',
          sessionName: 'rdp-tcp#2',
          id: 1,
          state: 'active',
          idleMinutes: 0,
          logonTime: '2021-03-25T09:27',
          logonTimeRaw: '3/25/2021 9:27 AM',
          current: true,
        },
        {
          userName: 'john.smith',
          sessionName: null,
          id: 3,
          state: 'disconnected',
          idleMinutes: 11 * 1440 + 4 * 60 + 12,
          logonTime: '2022-03-31T17:09',
          logonTimeRaw: '2022-03-31 5:09 PM',
          current: false,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads LF and CRLF line ends alike', () => {
    expect(parseQuser(ENGLISH.replaceAll('\r\n', '\n'))).toEqual(parseQuser(ENGLISH));
  });

  it('reads a copy that lost every leading space', () => {
    const pasted = ENGLISH.split('\r\n')
      .map((line) => line.replace(/^ /, ''))
      .join('\n');
    expect(parseQuser(pasted).rows.map((r) => [r.userName, r.sessionName, r.current])).toEqual([
      ['administrator', 'rdp-tcp#2', true],
      ['john.smith', null, false],
    ]);
  });

  it('reads a user name that overflows its column', () => {
    const text = [
      ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
      ' a.very.long.user.name.overflowing rdp-tcp#4   12  Active         5  11/21/2026 8:00 AM',
    ].join('\n');
    expect(parseQuser(text).rows[0]).toMatchObject({
      userName: 'a.very.long.user.name.overflowing',
      sessionName: 'rdp-tcp#4',
      id: 12,
      idleMinutes: 5,
    });
  });

  it('keeps a space inside a disconnected user name', () => {
    const text = [
      ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
      ' John Smith                                4  Disc         1:05  11/21/2026 8:00 AM',
    ].join('\n');
    expect(parseQuser(text).rows[0]).toMatchObject({
      userName: 'John Smith',
      sessionName: null,
      idleMinutes: 65,
    });
  });

  it('reads Spanish, whose header puts one space between ID. and ESTADO (synthetic)', () => {
    const text = [
      ' NOMBRE USUARIO        NOMBRE SESIÓN      ID. ESTADO  TIEMPO IN. TIEMPO SESIÓN',
      '>maria                 rdp-tcp#1           2  Activo     ninguno  21/11/2026 9:05',
      ' pedro                                     3  Desc          1:02  20/11/2026 17:40',
    ].join('\r\n');
    expect(parseQuser(text).rows).toEqual([
      expect.objectContaining({
        userName: 'maria',
        sessionName: 'rdp-tcp#1',
        state: 'active',
        idleMinutes: 0,
      }),
      expect.objectContaining({
        userName: 'pedro',
        sessionName: null,
        state: 'disconnected',
        idleMinutes: 62,
      }),
    ]);
  });

  it.each([
    [
      'it-IT',
      ' NOME UTENTE           NOME SESSIONE      ID  STATO   INATTIVITÀ TEMPO ACCESSO',
      'Attivo',
      'nessuno',
    ],
    [
      'nl-NL',
      ' GEBRUIKERSNAAM        SESSIENAAM         ID  STATUS  INACTIEVE TIJD AANMELDINGSTIJD',
      'Actief',
      'geen',
    ],
    [
      'pl-PL',
      ' NAZWA UŻYTKOWNIKA     NAZWA SESJI        ID  STAN    CZAS BEZCZYNN. CZAS LOGOWANIA',
      'Aktywny',
      'brak',
    ],
    [
      'pt-BR',
      ' NOME DE USUÁRIO       NOME DA SESSÃO     ID  ESTADO  TEMPO OCIOSO TEMPO DE LOGON',
      'Ativo',
      'nenhum',
    ],
  ])('reads %s headers and words (synthetic)', (_culture, header, active, none) => {
    const text = `${header}\r\n>anna                  console             1  ${active.padEnd(8)}${none.padStart(9)}  21.11.2026 09:05\r\n`;
    expect(parseQuser(text, { shortDatePattern: 'dd.MM.yyyy' })).toEqual({
      rows: [
        {
          userName: 'anna',
          sessionName: 'console',
          id: 1,
          state: 'active',
          idleMinutes: 0,
          logonTime: '2026-11-21T09:05',
          logonTimeRaw: '21.11.2026 09:05',
          current: true,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads Japanese, whose header is padded by display width (synthetic)', () => {
    const text = [
      ' ユーザー名            セッション名       ID  状態    アイドル時間 ログオン時刻',
      '>taro                  rdp-tcp#3           2  アクティブ     なし  2026/11/21 9:05',
      ' hanako                                    4  切断          2:10  2026/11/20 18:30',
    ].join('\r\n');
    expect(parseQuser(text).rows).toEqual([
      expect.objectContaining({
        userName: 'taro',
        sessionName: 'rdp-tcp#3',
        state: 'active',
        idleMinutes: 0,
        logonTime: '2026-11-21T09:05',
      }),
      expect.objectContaining({
        userName: 'hanako',
        sessionName: null,
        state: 'disconnected',
        idleMinutes: 130,
      }),
    ]);
  });

  it('makes the 2008 R2 bogus idle time unknown, with a warning', () => {
    const text = ' user2             rdp-tcp#111        42  Active  24692+13:29  16/11/2020 08:58';
    const result = parseQuser(text);
    expect(result.rows[0]).toMatchObject({
      userName: 'user2',
      idleMinutes: null,
      logonTime: '2020-11-16T08:58',
    });
    expect(result.warnings.join()).toMatch(/24692\+13:29 exceeds 3650 days/);
  });

  it('skips a row whose state word it does not know, and says so', () => {
    const text = [
      ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
      ' alice                 rdp-tcp#1           2  Active          .  11/21/2026 8:00 AM',
      ' bob                   rdp-tcp#2           3  Frobbed         .  11/21/2026 8:00 AM',
    ].join('\n');
    const result = parseQuser(text);
    expect(result.rows.map((r) => r.userName)).toEqual(['alice']);
    expect(result.warnings).toEqual([expect.stringMatching(/^line 3 not understood: bob/)]);
  });

  it('warns about a 24-hour row with an unknown state instead of taking it for a counter', () => {
    const text = [
      ' BENUTZERNAME          SITZUNGSNAME       ID  STATUS  LEERLAUF   ANMELDEZEIT',
      ' karl                  rdp-tcp#2           3  Unbek.          .  21.11.2026 09:05',
    ].join('\n');
    expect(parseQuser(text)).toEqual({
      rows: [],
      error: null,
      warnings: [expect.stringMatching(/^line 2 not understood: karl/)],
    });
  });

  it('treats "No User exists for *" as an empty list, also when PowerShell wraps it', () => {
    expect(parseQuser('No User exists for *\r\n')).toEqual({ rows: [], error: null, warnings: [] });
    const wrapped = [
      'quser : No User exists for *',
      '    + CategoryInfo          : NotSpecified: (No User exists for *:String) [], RemoteException',
      '    + FullyQualifiedErrorId : NativeCommandError',
    ].join('\n');
    expect(parseQuser(wrapped)).toEqual({ rows: [], error: null, warnings: [] });
  });

  it('carries the Windows error number and message', () => {
    expect(
      parseQuser(
        'Error 0x000006BA enumerating sessionnames\r\nError [1722]:The RPC server is unavailable.\r\n'
      )
    ).toEqual({
      rows: [],
      error: { code: 1722, message: 'The RPC server is unavailable.' },
      warnings: [],
    });
  });

  it('says qwinsta output is not quser output', () => {
    const qwinsta = [
      ' SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE',
      '>rdp-tcp#18        t2_jessica.richards       3  Active',
    ].join('\n');
    expect(readQuser(qwinsta)).toMatchObject({ kind: 'not-recognised' });
    expect(readQuser('hello')).toMatchObject({ kind: 'not-recognised' });
    expect(parseQuser('hello')).toEqual({
      rows: [],
      error: null,
      warnings: [expect.stringMatching(/^not recognised/)],
    });
  });
});
