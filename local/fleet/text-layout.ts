import type { HostLocale } from './locales.js';

/** Columns a console renders for `text`: East Asian wide and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += isWide(char.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6)
  );
}

export type Field =
  | { align: 'left'; column: number; text: string }
  | { align: 'right'; column: number; text: string };

/**
 * Lays fields out on fixed columns (display columns, not characters). A value wider than its
 * column pushes the next field right, one space after it, as a long user name does in quser.
 */
export function layoutLine(marker: string, fields: readonly Field[]): string {
  let line = marker;
  let cursor = displayWidth(marker);
  let first = true;
  for (const field of fields) {
    if (field.text === '') continue;
    const width = displayWidth(field.text);
    const earliest = first ? cursor : cursor + 1;
    const wanted = field.align === 'left' ? field.column : field.column - width + 1;
    const start = Math.max(wanted, earliest);
    line += ' '.repeat(start - cursor) + field.text;
    cursor = start + width;
    first = false;
  }
  return line;
}

/** quser's IDLE TIME: `.` under a minute, `N`, `H:MM`, `D+HH:MM`. */
export function formatIdle(minutes: number): string {
  if (minutes < 1) return '.';
  if (minutes < 60) return String(minutes);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = String(minutes % 60).padStart(2, '0');
  if (days === 0) return `${hours}:${mins}`;
  return `${days}+${String(hours).padStart(2, '0')}:${mins}`;
}

/** Formats a UTC instant as host-local time with a .NET date/time pattern. */
export function formatDotNet(
  instant: Date,
  pattern: string,
  locale: Pick<HostLocale, 'amDesignator' | 'pmDesignator'>,
  utcOffsetMinutes: number
): string {
  const local = new Date(instant.getTime() + utcOffsetMinutes * 60_000);
  const hours = local.getUTCHours();
  const tokens: Record<string, () => string> = {
    yyyy: () => String(local.getUTCFullYear()).padStart(4, '0'),
    MM: () => String(local.getUTCMonth() + 1).padStart(2, '0'),
    M: () => String(local.getUTCMonth() + 1),
    dd: () => String(local.getUTCDate()).padStart(2, '0'),
    d: () => String(local.getUTCDate()),
    HH: () => String(hours).padStart(2, '0'),
    H: () => String(hours),
    hh: () => String(hours % 12 || 12).padStart(2, '0'),
    h: () => String(hours % 12 || 12),
    mm: () => String(local.getUTCMinutes()).padStart(2, '0'),
    tt: () => (hours < 12 ? locale.amDesignator : locale.pmDesignator),
  };
  return pattern.replace(/yyyy|MM|M|dd|d|HH|H|hh|h|mm|tt/g, (token) => tokens[token]?.() ?? token);
}

export interface QuserRow {
  userName: string;
  sessionName: string | null;
  id: number;
  state: 'active' | 'disconnected';
  idleMinutes: number;
  console: boolean;
  logonTime: Date;
}

/**
 * `quser` stdout as SYSTEM under SSM: header plus one row per user session in id order, no `>`
 * (session 0 has no user), CRLF line ends.
 */
export function renderQuser(
  rows: readonly QuserRow[],
  locale: HostLocale,
  utcOffsetMinutes: number
): string {
  const layout = locale.quser;
  const lines = [
    layoutLine(
      ' ',
      layout.header.map(([column, text]) => ({ align: 'left' as const, column, text }))
    ),
  ];
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    const idle = row.console ? `${locale.idleNone} ` : formatIdle(row.idleMinutes);
    const logon = `${formatDotNet(row.logonTime, locale.shortDatePattern, locale, utcOffsetMinutes)} ${formatDotNet(row.logonTime, locale.shortTimePattern, locale, utcOffsetMinutes)}`;
    lines.push(
      layoutLine(' ', [
        { align: 'left', column: 1, text: row.userName },
        { align: 'left', column: 23, text: row.sessionName ?? '' },
        { align: 'right', column: 43, text: String(row.id) },
        { align: 'left', column: 46, text: locale.states[row.state] },
        { align: 'right', column: layout.idleEnd, text: idle },
        { align: 'left', column: layout.logonStart, text: logon },
      ])
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
