import { type QuietWindow, WEEKDAYS } from './schema.js';

export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** `YYYY-MM-DDTHH:MM`, for reasons a human reads. */
  text: string;
}

/**
 * The host's wall-clock time from a UTC instant and the host's UTC offset, as the host envelope
 * reports them. Throws `RangeError` when the instant is not a date.
 */
export function hostLocalTime(utcIso: string, utcOffsetMinutes: number): LocalTime {
  const ms = Date.parse(utcIso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${utcIso}`);
  const local = new Date(ms + utcOffsetMinutes * 60_000);
  return {
    weekday: local.getUTCDay(),
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
    text: local.toISOString().slice(0, 16),
  };
}

/** The first quiet window covering `time`, or `null`. A window past midnight belongs to its start day. */
export function activeQuietWindow(
  windows: readonly QuietWindow[],
  time: LocalTime
): QuietWindow | null {
  for (const window of windows) {
    const start = toMinutes(window.start);
    const end = toMinutes(window.end);
    if (start < end) {
      if (time.minuteOfDay >= start && time.minuteOfDay < end && onDay(window, time.weekday)) {
        return window;
      }
    } else if (time.minuteOfDay >= start && onDay(window, time.weekday)) {
      return window;
    } else if (time.minuteOfDay < end && onDay(window, (time.weekday + 6) % 7)) {
      return window;
    }
  }
  return null;
}

function onDay(window: QuietWindow, weekday: number): boolean {
  const day = WEEKDAYS[weekday];
  return window.days === undefined || (day !== undefined && window.days.includes(day));
}

function toMinutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}
