import { describe, expect, it } from 'vitest';
import { HOST_LOCALES, hostLocale } from '../../../local/fleet/locales.js';
import {
  displayWidth,
  formatDotNet,
  formatIdle,
  type QuserRow,
  renderQuser,
} from '../../../local/fleet/text-layout.js';

/** Local wall-clock time `iso` on a host at `offset` minutes from UTC, as a UTC instant. */
const localTime = (iso: string, offset: number) =>
  new Date(Date.parse(`${iso}Z`) - offset * 60_000);

const row = (over: Partial<QuserRow>): QuserRow => ({
  userName: 'user',
  sessionName: 'rdp-tcp#1',
  id: 2,
  state: 'active',
  idleMinutes: 0,
  console: false,
  logonTime: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

const lines = (text: string) => text.split('\r\n');

/** Column positions measured in display width, as windows-facts.md measures them. */
function columnOf(line: string, text: string): number {
  const index = line.indexOf(text);
  return index < 0 ? -1 : displayWidth(line.slice(0, index));
}

describe('quser layout', () => {
  it('prints the English header of the captures, column for column', () => {
    const [header] = lines(renderQuser([], hostLocale('en-US'), 0));
    expect(header).toBe(
      ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME'
    );
  });

  it('reproduces the captured English console row, with `none` at 58-61', () => {
    const locale = hostLocale('en-US');
    const text = renderQuser(
      [
        row({
          userName: 'wchesley',
          sessionName: 'console',
          id: 1,
          console: true,
          logonTime: localTime('2024-07-24T07:36', -300),
        }),
      ],
      locale,
      -300
    );
    expect(lines(text)[1]).toBe(
      ' wchesley              console             1  Active      none   7/24/2024 7:36 AM'
    );
  });

  it('right-aligns ID at 43 and IDLE TIME at 62 and starts LOGON TIME at 65', () => {
    const text = renderQuser(
      [
        row({ userName: 'administrator', sessionName: 'rdp-tcp#2', id: 1 }),
        row({
          userName: 'john.smith',
          sessionName: null,
          id: 3,
          state: 'disconnected',
          idleMinutes: 11 * 1440 + 4 * 60 + 12,
        }),
      ],
      hostLocale('en-US'),
      0
    );
    const [, active, disc] = lines(text);
    expect(active?.slice(0, 65)).toBe(
      ' administrator         rdp-tcp#2           1  Active          .  '
    );
    expect(disc?.slice(0, 65)).toBe(
      ' john.smith                                3  Disc     11+04:12  '
    );
  });

  it('reproduces the captured German header and console row (`Kein`)', () => {
    const text = renderQuser(
      [
        row({
          userName: 'manfred',
          sessionName: 'console',
          id: 4,
          console: true,
          logonTime: localTime('2025-04-28T12:03', 60),
        }),
      ],
      hostLocale('de-DE'),
      60
    );
    expect(lines(text).slice(0, 2)).toEqual([
      ' BENUTZERNAME          SITZUNGSNAME       ID  STATUS  LEERLAUF   ANMELDEZEIT',
      ' manfred               console             4  Aktiv       Kein   28.04.2025 12:03',
    ]);
  });

  it('reproduces the captured French rows, whose idle column ends at 63 and logon starts at 66', () => {
    const text = renderQuser(
      [
        row({
          userName: 'olivier',
          sessionName: 'console',
          id: 1,
          console: true,
          logonTime: localTime('2023-02-12T07:11', 60),
        }),
        row({ userName: 'remi', sessionName: null, id: 3, state: 'disconnected', idleMinutes: 75 }),
      ],
      hostLocale('fr-FR'),
      60
    );
    const [header, console, disc] = lines(text);
    expect(header).toBe(
      ' UTILISATEUR           SESSION            ID  ÉTAT    TEMPS INACT TEMPS SESSION'
    );
    expect(console).toBe(
      ' olivier               console             1  Actif       aucun   12/02/2023 07:11'
    );
    expect(disc?.slice(46, 66)).toBe('Déco          1:15  ');
  });

  it('leaves SESSIONNAME empty for a disconnected session in every locale', () => {
    for (const locale of Object.values(HOST_LOCALES)) {
      const text = renderQuser(
        [row({ sessionName: null, state: 'disconnected', idleMinutes: 200 })],
        locale,
        0
      );
      const data = lines(text)[1] ?? '';
      expect(data.slice(5, 42).trim(), locale.culture).toBe('');
      expect(data).toContain(locale.states.disconnected);
    }
  });

  it('lets a long user name push SESSIONNAME right, one space after it', () => {
    const text = renderQuser(
      [row({ userName: 'christopher.montgomery-smyth', sessionName: 'rdp-tcp#10', id: 7 })],
      hostLocale('en-US'),
      0
    );
    const data = lines(text)[1] ?? '';
    expect(data.startsWith(' christopher.montgomery-smyth rdp-tcp#10')).toBe(true);
    expect(columnOf(data, ' 7 ') + 1).toBe(43);
  });

  it('pads Japanese labels by display width, full-width characters taking two columns', () => {
    const [header, data] = lines(
      renderQuser([row({ userName: 'haruto.sato', id: 12 })], hostLocale('ja-JP'), 540)
    );
    expect(columnOf(header ?? '', 'ユーザー名')).toBe(1);
    expect(columnOf(header ?? '', 'セッション名')).toBe(23);
    expect(columnOf(header ?? '', 'ID')).toBe(42);
    expect(columnOf(header ?? '', '状態')).toBe(46);
    expect(columnOf(header ?? '', 'アイドル時間')).toBe(54);
    expect(columnOf(data ?? '', 'アクティブ')).toBe(46);
    expect(columnOf(data ?? '', '12') + 1).toBe(43);
    expect(displayWidth('アクティブ')).toBe(10);
  });

  it('prints no `>` marker: under SSM quser runs in session 0, which has no user', () => {
    const text = renderQuser([row({}), row({ id: 3, userName: 'b' })], hostLocale('en-US'), 0);
    for (const line of lines(text)) expect(line.startsWith('>')).toBe(false);
  });

  it('ends every line with CRLF and lists sessions in id order', () => {
    const text = renderQuser(
      [row({ id: 9, userName: 'z' }), row({ id: 2, userName: 'a' })],
      hostLocale('en-US'),
      0
    );
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(text.indexOf(' a ')).toBeLessThan(text.indexOf(' z '));
  });
});

describe('quser idle time', () => {
  it.each([
    [0, '.'],
    [1, '1'],
    [59, '59'],
    [60, '1:00'],
    [80, '1:20'],
    [1439, '23:59'],
    [1440, '1+00:00'],
    [11 * 1440 + 4 * 60 + 12, '11+04:12'],
  ])('formats %i minutes as %s', (minutes, text) => {
    expect(formatIdle(minutes)).toBe(text);
  });
});

describe('host date patterns', () => {
  const instant = new Date('2026-03-05T08:07:00Z');
  it.each([
    ['en-US', -300, '3/5/2026 3:07 AM'],
    ['de-DE', 60, '05.03.2026 09:07'],
    ['fr-FR', 60, '05/03/2026 09:07'],
    ['es-ES', 60, '05/03/2026 9:07'],
    ['ru-RU', 180, '05.03.2026 11:07'],
    ['ja-JP', 540, '2026/03/05 17:07'],
  ] as const)(
    'prints %s logon times with its short date and time patterns',
    (culture, offset, text) => {
      const locale = hostLocale(culture);
      const printed = `${formatDotNet(instant, locale.shortDatePattern, locale, offset)} ${formatDotNet(instant, locale.shortTimePattern, locale, offset)}`;
      expect(printed).toBe(text);
    }
  );

  it('prints noon and midnight as 12 in 12-hour patterns', () => {
    const locale = hostLocale('en-US');
    expect(formatDotNet(new Date('2026-01-01T12:05:00Z'), 'h:mm tt', locale, 0)).toBe('12:05 PM');
    expect(formatDotNet(new Date('2026-01-01T00:05:00Z'), 'h:mm tt', locale, 0)).toBe('12:05 AM');
  });
});
