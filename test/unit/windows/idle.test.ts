import { describe, expect, it } from 'vitest';
import { MAX_IDLE_DAYS, readIdleMinutes, readIdleSeconds } from '../../../lib/windows/idle.js';

describe('readIdleMinutes', () => {
  it.each([
    ['.', 0],
    ['none', 0],
    ['Kein', 0],
    ['aucun', 0],
    ['ninguno', 0],
    ['nessuno', 0],
    ['geen', 0],
    ['nenhum', 0],
    ['отсутствует', 0],
    ['brak', 0],
    ['なし', 0],
    ['无', 0],
    ['19', 19],
    ['1:20', 80],
    ['11+04:12', 11 * 1440 + 4 * 60 + 12],
    ['3650+00:00', 3650 * 1440],
  ])('reads %s as %i minutes', (text, minutes) => {
    expect(readIdleMinutes(text)).toEqual({ kind: 'minutes', minutes });
  });

  it('reports the Server 2008 R2 value 24692+13:29 as bogus, never as a number', () => {
    const reading = readIdleMinutes('24692+13:29');
    expect(reading.kind).toBe('bogus');
    expect(readIdleMinutes(`${MAX_IDLE_DAYS}+00:01`).kind).toBe('bogus');
  });

  it.each(['', '1:2', '1:60', '+1:00', '1+24:00', 'abc', '1+2', '12:34:56', '-5'])(
    'does not read %j',
    (text) => {
      expect(readIdleMinutes(text)).toEqual({ kind: 'unrecognised' });
    }
  );
});

describe('readIdleSeconds', () => {
  it('reads HH:MM:SS and days/hours/minutes', () => {
    expect(readIdleSeconds('00:01:57')).toBe(117);
    expect(readIdleSeconds('05D 22H 02M')).toBe(5 * 86_400 + 22 * 3600 + 120);
    expect(readIdleSeconds('05T 22S 02M')).toBe(5 * 86_400 + 22 * 3600 + 120);
  });

  it('rejects impossible values', () => {
    expect(readIdleSeconds('00:61:00')).toBeNull();
    expect(readIdleSeconds('05D 25H 02M')).toBeNull();
    expect(readIdleSeconds('soon')).toBeNull();
  });
});
