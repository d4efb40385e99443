import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../../lib/windows/columns.js';
import { OUTPUT_KINDS, readOutput } from '../../../lib/windows/output-kind.js';
import { parseQuser } from '../../../lib/windows/quser.js';
import { parseQwinsta } from '../../../lib/windows/qwinsta.js';
import type { CultureHint, QuserSession, QwinstaSession } from '../../../lib/windows/types.js';

// Synthetic tables rendered from generated sessions, in several languages and column widths,
// must parse back to the same sessions; no parser may throw on any input.

interface Stamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const two = (n: number) => String(n).padStart(2, '0');

interface Locale {
  culture: string;
  quserLabels: readonly string[];
  qwinstaLabels: readonly string[];
  words: { active: string; disconnected: string; connected: string; listen: string };
  none: string;
  hint: CultureHint;
  print(stamp: Stamp): string;
}

const LOCALES: readonly Locale[] = [
  {
    culture: 'en-US',
    quserLabels: ['USERNAME', 'SESSIONNAME', 'ID', 'STATE', 'IDLE TIME', 'LOGON TIME'],
    qwinstaLabels: ['SESSIONNAME', 'USERNAME', 'ID', 'STATE', 'TYPE', 'DEVICE'],
    words: { active: 'Active', disconnected: 'Disc', connected: 'Conn', listen: 'Listen' },
    none: 'none',
    hint: { culture: 'en-US', shortDatePattern: 'M/d/yyyy', shortTimePattern: 'h:mm tt' },
    print: (s) =>
      `${s.month}/${s.day}/${s.year} ${((s.hour + 11) % 12) + 1}:${two(s.minute)} ${s.hour < 12 ? 'AM' : 'PM'}`,
  },
  {
    culture: 'de-DE',
    quserLabels: ['BENUTZERNAME', 'SITZUNGSNAME', 'ID', 'STATUS', 'LEERLAUF', 'ANMELDEZEIT'],
    qwinstaLabels: ['SITZUNGSNAME', 'BENUTZERNAME', 'ID', 'STATUS', 'TYP', 'GERÄT'],
    words: { active: 'Aktiv', disconnected: 'Getr.', connected: 'Verb.', listen: 'Abhör.' },
    none: 'Kein',
    hint: { culture: 'de-DE', shortDatePattern: 'dd.MM.yyyy', shortTimePattern: 'HH:mm' },
    print: (s) => `${two(s.day)}.${two(s.month)}.${s.year} ${two(s.hour)}:${two(s.minute)}`,
  },
  {
    culture: 'fr-FR',
    quserLabels: ['UTILISATEUR', 'SESSION', 'ID', 'ÉTAT', 'TEMPS INACT', 'TEMPS SESSION'],
    qwinstaLabels: ['SESSION', 'UTILISATEUR', 'ID', 'ÉTAT', 'TYPE', 'PÉRIPHÉRIQUE'],
    words: { active: 'Actif', disconnected: 'Déco', connected: 'Conn', listen: 'Écouter' },
    none: 'aucun',
    hint: { culture: 'fr-FR', shortDatePattern: 'dd/MM/yyyy', shortTimePattern: 'HH:mm' },
    print: (s) => `${two(s.day)}/${two(s.month)}/${s.year} ${two(s.hour)}:${two(s.minute)}`,
  },
  {
    culture: 'es-ES',
    quserLabels: [
      'NOMBRE USUARIO',
      'NOMBRE SESIÓN',
      'ID.',
      'ESTADO',
      'TIEMPO IN.',
      'TIEMPO SESIÓN',
    ],
    qwinstaLabels: ['NOMBRE SESIÓN', 'NOMBRE USUARIO', 'ID', 'ESTADO', 'TIPO', 'DISPOSITIVO'],
    words: { active: 'Activo', disconnected: 'Desc', connected: 'Conn', listen: 'Escuchar' },
    none: 'ninguno',
    hint: { culture: 'es-ES', shortDatePattern: 'd/M/yyyy', shortTimePattern: 'H:mm' },
    print: (s) => `${s.day}/${s.month}/${s.year} ${s.hour}:${two(s.minute)}`,
  },
  {
    culture: 'ru-RU',
    quserLabels: ['ПОЛЬЗОВАТЕЛЬ', 'СЕАНС', 'ID', 'СТАТУС', 'БЕЗДЕЙСТВ.', 'ВРЕМЯ ВХОДА'],
    qwinstaLabels: ['СЕАНС', 'ПОЛЬЗОВАТЕЛЬ', 'ID', 'СТАТУС', 'ТИП', 'УСТР-ВО'],
    words: { active: 'Активно', disconnected: 'Диск', connected: 'Подкл.', listen: 'Прослуш.' },
    none: 'отсутствует',
    hint: { culture: 'ru-RU', shortDatePattern: 'dd.MM.yyyy', shortTimePattern: 'H:mm' },
    print: (s) => `${two(s.day)}.${two(s.month)}.${s.year} ${s.hour}:${two(s.minute)}`,
  },
  {
    culture: 'ja-JP',
    quserLabels: ['ユーザー名', 'セッション名', 'ID', '状態', 'アイドル時間', 'ログオン時刻'],
    qwinstaLabels: ['セッション名', 'ユーザー名', 'ID', '状態', '種類', 'デバイス'],
    words: { active: 'アクティブ', disconnected: '切断', connected: '接続', listen: 'リッスン' },
    none: 'なし',
    hint: { culture: 'ja-JP', shortDatePattern: 'yyyy/MM/dd', shortTimePattern: 'H:mm' },
    print: (s) => `${s.year}/${two(s.month)}/${two(s.day)} ${s.hour}:${two(s.minute)}`,
  },
  {
    culture: 'zh-CN',
    quserLabels: ['用户名', '会话名', 'ID', '状态', '空闲时间', '登录时间'],
    qwinstaLabels: ['会话名', '用户名', 'ID', '状态', '类型', '设备'],
    words: { active: '运行中', disconnected: '断开', connected: '已连接', listen: '侦听' },
    none: '无',
    hint: { culture: 'zh-CN', shortDatePattern: 'yyyy/M/d', shortTimePattern: 'H:mm' },
    print: (s) => `${s.year}/${s.month}/${s.day} ${s.hour}:${two(s.minute)}`,
  },
];

/** Pads to a display width, always leaving at least `gap` spaces after the text. */
function padTo(text: string, width: number, gap: number): string {
  return text + ' '.repeat(Math.max(width - displayWidth(text), gap));
}

function padStartTo(text: string, width: number): string {
  return ' '.repeat(Math.max(width - displayWidth(text), 1)) + text;
}

function printIdle(minutes: number, dot: boolean, none: string): string {
  if (minutes === 0) return dot ? '.' : none;
  if (minutes < 60) return String(minutes);
  if (minutes < 1440) return `${Math.floor(minutes / 60)}:${two(minutes % 60)}`;
  const days = Math.floor(minutes / 1440);
  const rest = minutes % 1440;
  return `${days}+${two(Math.floor(rest / 60))}:${two(rest % 60)}`;
}

const userName = fc.stringMatching(/^[a-z][a-z0-9._-]{0,23}$/);
const stamp = fc.record({
  year: fc.integer({ min: 2000, max: 2049 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
});
const widths = fc.record({
  first: fc.integer({ min: 8, max: 26 }),
  second: fc.integer({ min: 8, max: 22 }),
  id: fc.integer({ min: 4, max: 7 }),
  state: fc.integer({ min: 6, max: 10 }),
  idle: fc.integer({ min: 6, max: 12 }),
});
const lineEnd = fc.constantFrom('\r\n', '\n');

describe('quser tables rendered from generated sessions', () => {
  const session = fc.record({
    userName,
    disconnected: fc.boolean(),
    sessionName: fc.oneof(
      fc.constant('console'),
      fc.integer({ min: 0, max: 999 }).map((n) => `rdp-tcp#${n}`)
    ),
    id: fc.integer({ min: 1, max: 65_535 }),
    idleMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3650 * 1440 })),
    dot: fc.boolean(),
    current: fc.boolean(),
    stamp,
  });

  it('parse back to the same sessions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LOCALES),
        widths,
        fc.array(session, { minLength: 1, maxLength: 10 }),
        lineEnd,
        fc.boolean(),
        (locale, w, sessions, eol, pasted) => {
          const [l1 = '', l2 = '', l3 = '', l4 = '', l5 = '', l6 = ''] = locale.quserLabels;
          const userWidth = Math.max(w.first, displayWidth(l1) + 2);
          const sessionWidth = Math.max(w.second, displayWidth(l2) + 2);
          const lines = [
            ` ${padTo(l1, userWidth, 2)}${padTo(l2, sessionWidth, 2)}${padStartTo(l3, w.id)}  ${padTo(l4, w.state, 2)}${padStartTo(l5, w.idle)}  ${l6}`,
          ];
          const expected: QuserSession[] = [];
          for (const s of sessions) {
            const state = s.disconnected ? 'disconnected' : 'active';
            const sessionName = s.disconnected ? null : s.sessionName;
            const idle = printIdle(s.idleMinutes, s.dot, locale.none);
            const logonTimeRaw = locale.print(s.stamp);
            lines.push(
              `${s.current ? '>' : ' '}${padTo(s.userName, userWidth, 1)}${padTo(sessionName ?? '', sessionWidth, sessionName ? 1 : 0)}${padStartTo(String(s.id), w.id)}  ${padTo(locale.words[state], w.state, 1)}${padStartTo(idle, w.idle)}  ${logonTimeRaw}`
            );
            expected.push({
              userName: s.userName,
              sessionName,
              id: s.id,
              state,
              idleMinutes: s.idleMinutes,
              logonTime: `${s.stamp.year}-${two(s.stamp.month)}-${two(s.stamp.day)}T${two(s.stamp.hour)}:${two(s.stamp.minute)}`,
              logonTimeRaw,
              current: s.current,
            });
          }
          const printed = pasted ? lines.map((line) => line.replace(/^ /, '')) : lines;
          expect(parseQuser(printed.join(eol) + eol, locale.hint)).toEqual({
            rows: expected,
            error: null,
            warnings: [],
          });
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('qwinsta tables rendered from generated sessions', () => {
  const row = fc.record({
    sessionName: fc.option(
      fc.oneof(
        fc.constantFrom('services', 'console', 'rdp-tcp'),
        fc.integer({ min: 0, max: 999 }).map((n) => `rdp-tcp#${n}`)
      ),
      { nil: null }
    ),
    userName: fc.option(userName, { nil: null }),
    id: fc.integer({ min: 0, max: 65_537 }),
    state: fc.constantFrom('active', 'disconnected', 'connected', 'listen') as fc.Arbitrary<
      'active' | 'disconnected' | 'connected' | 'listen'
    >,
    current: fc.boolean(),
  });

  it('parse back to the same sessions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LOCALES),
        widths,
        fc.array(row, { minLength: 1, maxLength: 10 }),
        lineEnd,
        (locale, w, rows, eol) => {
          const [l1 = '', l2 = '', l3 = '', l4 = '', l5 = '', l6 = ''] = locale.qwinstaLabels;
          const sessionWidth = Math.max(w.first, displayWidth(l1) + 2);
          const userWidth = Math.max(w.second, displayWidth(l2) + 2);
          const lines = [
            ` ${padTo(l1, sessionWidth, 2)}${padTo(l2, userWidth, 2)}${padStartTo(l3, w.id)}  ${padTo(l4, w.state, 2)}${padTo(l5, 12, 2)}${l6}`,
          ];
          const expected: QwinstaSession[] = rows.map((r) => ({ ...r, type: null, device: null }));
          for (const r of rows) {
            lines.push(
              `${r.current ? '>' : ' '}${padTo(r.sessionName ?? '', sessionWidth, 1)}${padTo(r.userName ?? '', userWidth, r.userName ? 1 : 0)}${padStartTo(String(r.id), w.id)}  ${locale.words[r.state]}`
            );
          }
          expect(parseQwinsta(lines.join(eol), locale.hint)).toEqual({
            rows: expected,
            error: null,
            warnings: [],
          });
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('every parser on arbitrary input', () => {
  const fragment = fc.constantFrom(
    ' ',
    '  ',
    '\n',
    '\r\n',
    '\r',
    '>',
    '"',
    ',',
    '{',
    '}',
    '[',
    ']',
    ':',
    '.',
    '+',
    '\\\\',
    'ID',
    'ID.',
    'Active',
    'Disc',
    'Rimani in ascolto',
    '12',
    '65536',
    '24692+13:29',
    '3/4/2021',
    '9:27',
    'PM',
    '下午',
    '用户名',
    'none',
    '-'.repeat(30),
    '"FileId":',
    '"Path":"x"',
    'Error [5]:',
    'System error 5 has occurred.',
    'No User exists for *',
    'Totale sessioni create: 3'
  );
  const junk = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.array(fragment, { maxLength: 80 }).map((parts) => parts.join(''))
  );

  it('never throws and always answers with rows or "not recognised"', () => {
    fc.assert(
      fc.property(junk, fc.constantFrom(...OUTPUT_KINDS), (text, kind) => {
        const result = readOutput(kind, text, { shortDatePattern: 'dd/MM/yyyy' });
        if ('kind' in result) expect(result.kind).toBe('not-recognised');
        else {
          expect(Array.isArray(result.rows)).toBe(true);
          expect(Array.isArray(result.warnings)).toBe(true);
        }
      }),
      { numRuns: 1500 }
    );
  });
});
