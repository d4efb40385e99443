import { defaultShortDatePattern, meridiemOf } from './locale.js';
import type { CultureHint } from './types.js';

/**
 * LOGON TIME as `quser` prints it: the host's short date and short time, in whatever culture the
 * account running it has (`3/25/2021 9:27 AM`, `10.08.2026 07:00`, `2026/10/10 11:45`,
 * `2022-03-31 5:09 PM`, `9:27AM`). The result is host-local ISO `YYYY-MM-DDTHH:MM` or `null`.
 */

export type DateOrder = 'ymd' | 'dmy' | 'mdy';

export interface LogonParts {
  /** The three date numbers in printed order, and the digit counts of the outer two. */
  first: number;
  second: number;
  third: number;
  firstDigits: number;
  thirdDigits: number;
  /** The month was printed as a name (`18-Nov-22`): the order is day, month, year. */
  monthNamed: boolean;
  hour: number;
  minute: number;
  meridiem: 'am' | 'pm' | null;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The decimal value of `text[from, to)`, known to be digits. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + text.charCodeAt(i) - 0x30;
  return value;
}

/** End index of the digit run starting at `from` (at most `max` digits), or -1. */
function digitRunEnd(text: string, from: number, max: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i === from || i - from > max ? -1 : i;
}

/** Month names and abbreviations (`dd-MMM-yy`) in the languages whose hosts print them. */
const MONTHS: ReadonlyMap<string, number> = new Map(
  [
    ['jan', 'january', 'janv', 'janvier', 'ene', 'enero', 'januar', 'jänner'],
    ['feb', 'february', 'févr', 'février', 'febrero', 'februar'],
    ['mar', 'march', 'mars', 'marzo', 'mär', 'mrz', 'märz'],
    ['apr', 'april', 'avr', 'avril', 'abr', 'abril'],
    ['may', 'mai', 'mayo'],
    ['jun', 'june', 'juin', 'junio', 'juni'],
    ['jul', 'july', 'juil', 'juillet', 'julio', 'juli'],
    ['aug', 'august', 'août', 'ago', 'agosto'],
    ['sep', 'sept', 'september', 'septembre', 'septiembre'],
    ['oct', 'october', 'octobre', 'octubre', 'okt', 'oktober'],
    ['nov', 'november', 'novembre', 'noviembre'],
    ['dec', 'december', 'déc', 'décembre', 'dic', 'diciembre', 'dez', 'dezember'],
  ].flatMap((names, index) => names.map((name) => [name, index + 1] as const))
);

function letterRunEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from <= 10) {
    const code = text.charCodeAt(i);
    const letter = (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code >= 0xc0;
    if (!letter) break;
    i++;
  }
  return i === from ? -1 : i;
}

function isDateSeparator(code: number): boolean {
  return code === 0x2e || code === 0x2f || code === 0x2d; // . / -
}

function meridiemNear(text: string): 'am' | 'pm' | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return null;
  const whole = meridiemOf(trimmed);
  if (whole) return whole;
  for (const word of trimmed.split(' ')) {
    const found = word.length > 0 ? meridiemOf(word) : null;
    if (found) return found;
  }
  return null;
}

/**
 * Pulls the numbers out of a printed logon time; `null` when it has no date and time. A hand-made
 * scanner rather than regular expressions: it runs for every row of every sweep.
 */
export function splitLogonTime(raw: string): LogonParts | null {
  const length = raw.length;
  let dateStart = -1;
  let dateEnd = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let cStart = 0;
  let month = -1;
  for (let i = 0; i < length && dateEnd < 0; i++) {
    if (!isDigit(raw.charCodeAt(i)) || (i > 0 && isDigit(raw.charCodeAt(i - 1)))) continue;
    aEnd = digitRunEnd(raw, i, 4);
    if (aEnd < 0) continue;
    const separator = raw.charCodeAt(aEnd);
    if (!isDateSeparator(separator)) continue;
    bStart = aEnd + 1;
    bEnd = digitRunEnd(raw, bStart, 2);
    month = -1;
    if (bEnd < 0) {
      bEnd = letterRunEnd(raw, bStart);
      month =
        bEnd < 0
          ? -1
          : (MONTHS.get(raw.slice(bStart, bEnd).toLowerCase().replace(/\.$/, '')) ?? -1);
      if (month < 0) continue;
    }
    if (raw.charCodeAt(bEnd) !== separator) continue;
    cStart = bEnd + 1;
    const cEnd = digitRunEnd(raw, cStart, 4);
    if (cEnd < 0) continue;
    dateStart = i;
    dateEnd = cEnd;
  }
  if (dateEnd < 0) return null;
  let hStart = -1;
  let hEnd = -1;
  let mEnd = -1;
  for (let i = dateEnd; i < length; i++) {
    if (!isDigit(raw.charCodeAt(i)) || isDigit(raw.charCodeAt(i - 1))) continue;
    const end = digitRunEnd(raw, i, 2);
    if (end < 0) continue;
    const colon = raw.charCodeAt(end);
    if (colon !== 0x3a && colon !== 0x2e) continue;
    const minuteEnd = digitRunEnd(raw, end + 1, 2);
    if (minuteEnd !== end + 3) continue;
    hStart = i;
    hEnd = end;
    mEnd = minuteEnd;
    break;
  }
  if (hStart < 0) return null;
  let timeEnd = mEnd;
  const code = raw.charCodeAt(mEnd);
  if ((code === 0x3a || code === 0x2e) && digitRunEnd(raw, mEnd + 1, 2) === mEnd + 3)
    timeEnd = mEnd + 3;
  const meridiem =
    (timeEnd < length ? meridiemNear(raw.slice(timeEnd)) : null) ??
    (hStart - dateEnd > 1 ? meridiemNear(raw.slice(dateEnd, hStart)) : null) ??
    (dateStart > 0 ? meridiemNear(raw.slice(0, dateStart)) : null);
  return {
    first: digitsAt(raw, dateStart, aEnd),
    second: month > 0 ? month : digitsAt(raw, bStart, bEnd),
    third: digitsAt(raw, cStart, dateEnd),
    firstDigits: aEnd - dateStart,
    thirdDigits: dateEnd - cStart,
    monthNamed: month > 0,
    hour: digitsAt(raw, hStart, hEnd),
    minute: digitsAt(raw, hEnd + 1, mEnd),
    meridiem,
  };
}

/** The day/month/year order of a .NET ShortDatePattern (`dd.MM.yyyy` → `dmy`). */
export function orderFromPattern(pattern: string): DateOrder | null {
  const d = pattern.indexOf('d');
  const m = pattern.indexOf('M');
  const y = pattern.indexOf('y');
  if (d < 0 || m < 0 || y < 0) return null;
  if (y < m && m < d) return 'ymd';
  if (d < m && m < y) return 'dmy';
  if (m < d && d < y) return 'mdy';
  return null;
}

/** The order the text alone proves: year first, or a day number above 12 on one side. */
export function orderFromText(parts: LogonParts): DateOrder | 'either' | null {
  if (parts.firstDigits > 2) return 'ymd';
  if (parts.first > 12 && parts.second <= 12) return 'dmy';
  if (parts.second > 12 && parts.first <= 12) return 'mdy';
  if (parts.first === parts.second) return 'either';
  return null;
}

function fullYear(value: number, digits: number): number {
  // .NET's Gregorian TwoDigitYearMax is 2049.
  if (digits > 2) return value;
  return value < 50 ? 2000 + value : 1900 + value;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

/** Formats the parts in the given order, or `null` when they are no valid date and time. */
export function formatLogon(parts: LogonParts, order: DateOrder): string | null {
  let year: number;
  let month: number;
  let day: number;
  if (order === 'ymd') {
    if (parts.firstDigits < 4 && parts.thirdDigits > 2) return null;
    year = fullYear(parts.first, parts.firstDigits);
    month = parts.second;
    day = parts.third;
  } else {
    if (parts.firstDigits > 2) return null;
    year = fullYear(parts.third, parts.thirdDigits);
    month = order === 'dmy' ? parts.second : parts.first;
    day = order === 'dmy' ? parts.first : parts.second;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  let hour = parts.hour;
  if (parts.meridiem !== null) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (parts.meridiem === 'pm' ? 12 : 0);
  }
  if (hour > 23 || parts.minute > 59) return null;
  const yyyy = year < 1000 ? `${year}`.padStart(4, '0') : `${year}`;
  return `${yyyy}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(parts.minute)}`;
}

export interface LogonTimes {
  values: (string | null)[];
  warnings: string[];
}

/**
 * Reads each row's logon time. The host's ShortDatePattern decides the day/month order when
 * given (else the culture's default pattern, with a warning); without either, only a value that
 * proves its own order (year first, a month name, a day above 12) is read. Ambiguous values are
 * `null`, never a guess: rows of one output are not used to guess each other's order.
 */
export function readLogonTimes(raws: readonly string[], hint?: CultureHint): LogonTimes {
  const warnings: string[] = [];
  let pattern = hint?.shortDatePattern;
  if (!pattern && hint?.culture) {
    pattern = defaultShortDatePattern(hint.culture);
    if (pattern)
      warnings.push(`no date pattern given: assumed ${pattern}, the default of ${hint.culture}`);
  }
  const hinted = pattern ? orderFromPattern(pattern) : null;
  if (pattern && hinted === null)
    warnings.push(`date pattern ${pattern} has no day, month and year; ignored`);
  // A 12-hour host whose designator is missing from the tables would otherwise be read as
  // 24-hour, twelve hours off.
  const twelveHour = hint?.shortTimePattern?.includes('t') === true;
  const values = raws.map((raw) => {
    const parts = raw.length === 0 ? null : splitLogonTime(raw);
    if (!parts) {
      if (raw.length > 0) warnings.push(`logon time "${raw}" is not a date and time`);
      return null;
    }
    if (twelveHour && parts.meridiem === null) {
      warnings.push(`logon time "${raw}": 12-hour time without a known AM/PM designator`);
      return null;
    }
    const proven = orderFromText(parts);
    let order: DateOrder | null;
    if (proven === 'ymd' || parts.monthNamed) order = proven === 'ymd' ? 'ymd' : 'dmy';
    else if (hinted && hinted !== 'ymd') order = hinted;
    else if (proven === 'either') order = 'dmy';
    else order = proven;
    if (order === null) {
      warnings.push(
        `logon time "${raw}": day/month order is ambiguous without the host's date pattern`
      );
      return null;
    }
    const value = formatLogon(parts, order);
    if (value === null) warnings.push(`logon time "${raw}" is not a valid date and time`);
    return value;
  });
  return { values, warnings };
}
