import { describe, expect, it } from 'vitest';
import { activeQuietWindow, hostLocalTime } from '../../../lib/policy/quiet-hours.js';
import { globMatch, matchExclusion } from '../../../lib/policy/users.js';

describe('matchExclusion', () => {
  const patterns = ['svc-*', 'CONTOSO\\adm-?', 'FABRIKAM\\*'];

  it('matches bare patterns in any domain, case-insensitively', () => {
    expect(matchExclusion({ userName: 'SVC-backup' }, patterns)).toBe('svc-*');
    expect(matchExclusion({ userName: 'svc-sql', domain: 'OTHER' }, patterns)).toBe('svc-*');
  });

  it('matches a domain-qualified pattern only in that domain', () => {
    expect(matchExclusion({ userName: 'adm-1', domain: 'contoso' }, patterns)).toBe(
      'CONTOSO\\adm-?'
    );
    expect(matchExclusion({ userName: 'adm-1', domain: 'OTHER' }, patterns)).toBeNull();
    expect(matchExclusion({ userName: 'CONTOSO\\ADM-2' }, patterns)).toBe('CONTOSO\\adm-?');
    expect(matchExclusion({ userName: 'anyone', domain: 'Fabrikam' }, patterns)).toBe(
      'FABRIKAM\\*'
    );
  });

  it('treats a user of unknown domain as excluded when the name matches', () => {
    expect(matchExclusion({ userName: 'adm-3' }, patterns)).toBe('CONTOSO\\adm-?');
    expect(matchExclusion({ userName: 'adm-33' }, ['CONTOSO\\adm-?'])).toBeNull();
    // A whole-domain exclusion therefore covers every session quser reports (no domain there).
    expect(matchExclusion({ userName: 'alice', domain: null }, patterns)).toBe('FABRIKAM\\*');
    expect(matchExclusion({ userName: 'alice', domain: 'CONTOSO' }, patterns)).toBeNull();
  });
});

describe('globMatch', () => {
  it('supports * and ? and nothing else', () => {
    expect(globMatch('a*b?d', 'axxxbcd')).toBe(true);
    expect(globMatch('a*b?d', 'abd')).toBe(false);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('**x', 'yyx')).toBe(true);
  });
});

describe('quiet hours', () => {
  const night = { days: ['fri' as const], start: '22:00', end: '06:00' };
  const lunch = { start: '12:00', end: '13:00' };

  it('applies the host offset to the UTC instant', () => {
    expect(hostLocalTime('2026-11-20T21:30:00Z', 60)).toEqual({
      weekday: 5,
      minuteOfDay: 22 * 60 + 30,
      text: '2026-11-20T22:30',
    });
    expect(() => hostLocalTime('yesterday', 0)).toThrow(RangeError);
  });

  it('covers a window past midnight on the morning after its start day', () => {
    // Friday 2026-11-20 23:00 and Saturday 05:59 are quiet; Saturday 06:00 and Thursday 23:00 not.
    expect(activeQuietWindow([night], hostLocalTime('2026-11-20T23:00:00Z', 0))).toBe(night);
    expect(activeQuietWindow([night], hostLocalTime('2026-11-21T05:59:00Z', 0))).toBe(night);
    expect(activeQuietWindow([night], hostLocalTime('2026-11-21T06:00:00Z', 0))).toBeNull();
    expect(activeQuietWindow([night], hostLocalTime('2026-11-19T23:00:00Z', 0))).toBeNull();
  });

  it('covers a same-day window every day when no days are given', () => {
    expect(activeQuietWindow([lunch], hostLocalTime('2026-11-22T12:00:00Z', 0))).toBe(lunch);
    expect(activeQuietWindow([lunch], hostLocalTime('2026-11-22T13:00:00Z', 0))).toBeNull();
    expect(activeQuietWindow([lunch], hostLocalTime('2026-11-22T11:30:00Z', -30))).toBeNull();
    expect(activeQuietWindow([lunch], hostLocalTime('2026-11-22T11:30:00Z', 30))).toBe(lunch);
  });
});
