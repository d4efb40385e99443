import { isNoneWord } from './locale.js';

/** Ten years: Server 2008 R2 prints bogus idle times such as `24692+13:29` for idle sessions. */
export const MAX_IDLE_DAYS = 3650;

export type IdleReading =
  | { kind: 'minutes'; minutes: number }
  /** Recognisably an idle value, but not a trustworthy one. */
  | { kind: 'bogus'; reason: string }
  | { kind: 'unrecognised' };

function digitsValue(text: string, from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Reads a `quser` IDLE TIME value: `.` and the "none" words are 0, then `N` (minutes), `h:mm` and
 * `d+hh:mm`. Anything beyond {@link MAX_IDLE_DAYS} is reported as bogus, never as a number.
 */
export function readIdleMinutes(text: string): IdleReading {
  if (text === '.') return { kind: 'minutes', minutes: 0 };
  if (isNoneWord(text)) return { kind: 'minutes', minutes: 0 };
  const plus = text.indexOf('+');
  const colon = text.indexOf(':', plus + 1);
  let days = 0;
  let hours = 0;
  let minutes: number;
  if (colon < 0) {
    if (plus >= 0) return { kind: 'unrecognised' };
    minutes = digitsValue(text, 0, text.length);
  } else {
    if (plus >= 0) {
      days = digitsValue(text, 0, plus);
      if (days < 0) return { kind: 'unrecognised' };
    }
    hours = digitsValue(text, plus + 1, colon);
    if (text.length - colon - 1 !== 2) return { kind: 'unrecognised' };
    minutes = digitsValue(text, colon + 1, text.length);
    if (hours < 0 || minutes < 0 || minutes > 59) return { kind: 'unrecognised' };
    if (plus >= 0 && hours > 23) return { kind: 'unrecognised' };
  }
  if (minutes < 0) return { kind: 'unrecognised' };
  const total = days * 1440 + hours * 60 + minutes;
  if (total > MAX_IDLE_DAYS * 1440) {
    return { kind: 'bogus', reason: `idle time ${text} exceeds ${MAX_IDLE_DAYS} days` };
  }
  return { kind: 'minutes', minutes: total };
}

/**
 * Reads a `net session` idle time: `HH:MM:SS`, or days/hours/minutes such as `05D 22H 02M` (the
 * unit letters are localised, so only their order is relied on). Returns seconds or `null`.
 */
export function readIdleSeconds(text: string): number | null {
  const clock = /^(\d{1,5}):(\d{2}):(\d{2})$/.exec(text);
  if (clock) {
    const [, h, m, s] = clock;
    const minutes = Number(m);
    const seconds = Number(s);
    if (minutes > 59 || seconds > 59) return null;
    return Number(h) * 3600 + minutes * 60 + seconds;
  }
  const dhm = /^(\d{1,5})\p{L}{1,3}\.? (\d{1,2})\p{L}{1,3}\.? (\d{1,2})\p{L}{1,3}\.?$/u.exec(text);
  if (dhm) {
    const [, d, h, m] = dhm;
    const hours = Number(h);
    const minutes = Number(m);
    if (hours > 23 || minutes > 59) return null;
    return Number(d) * 86_400 + hours * 3600 + minutes * 60;
  }
  return null;
}
