import { describe, expect, it } from 'vitest';
import {
  orderFromPattern,
  readLogonTimes,
  splitLogonTime,
} from '../../../lib/windows/logon-time.js';

const one = (raw: string, hint?: Parameters<typeof readLogonTimes>[1]) =>
  readLogonTimes([raw], hint).values[0];

describe('readLogonTimes', () => {
  it.each([
    ['3/25/2021 9:27 AM', '2021-03-25T09:27'],
    ['7/20/2017 1:19 PM', '2017-07-20T13:19'],
    ['7/20/2017 12:05 AM', '2017-07-20T00:05'],
    ['7/20/2017 12:05 PM', '2017-07-20T12:05'],
    ['7/20/2017 1:19PM', '2017-07-20T13:19'],
    ['2022-03-31 5:09 PM', '2022-03-31T17:09'],
    ['2026/10/10 11:45', '2026-10-10T11:45'],
    ['2015/8/5 12:02', '2015-08-05T12:02'],
    ['28.04.2025 12:03', '2025-04-28T12:03'],
    ['26/4/2019 12:16', '2019-04-26T12:16'],
    ['18-Nov-22 09:35', '2022-11-18T09:35'],
    ['2026/10/10 下午 1:45', '2026-10-10T13:45'],
  ])('reads %s without a hint as %s', (raw, expected) => {
    expect(one(raw)).toBe(expected);
  });

  it('leaves an ambiguous day/month order null without a pattern and says why', () => {
    const result = readLogonTimes(['03.05.2025 18:26']);
    expect(result.values).toEqual([null]);
    expect(result.warnings[0]).toMatch(/ambiguous/);
  });

  it('reads each value on its own: one unambiguous row does not decide another', () => {
    expect(readLogonTimes(['16/11/2020 08:58', '12/11/2020 11:23']).values).toEqual([
      '2020-11-16T08:58',
      null,
    ]);
  });

  it('uses the host date pattern when given', () => {
    expect(one('03.05.2025 18:26', { shortDatePattern: 'dd.MM.yyyy' })).toBe('2025-05-03T18:26');
    expect(one('3/5/2025 6:26 PM', { shortDatePattern: 'M/d/yyyy' })).toBe('2025-03-05T18:26');
    expect(one('3-5-25 18:26', { shortDatePattern: 'd-M-yy' })).toBe('2025-05-03T18:26');
  });

  it("falls back to the culture's default pattern, with a warning", () => {
    const result = readLogonTimes(['03.05.2025 18:26'], { culture: 'de-DE' });
    expect(result.values).toEqual(['2025-05-03T18:26']);
    expect(result.warnings[0]).toMatch(/dd\.MM\.yyyy/);
  });

  it('gives null for invalid dates and text without a date', () => {
    expect(readLogonTimes(['2/30/2021 9:00 AM', 'yesterday', '']).values).toEqual([
      null,
      null,
      null,
    ]);
    expect(one('2/29/2024 9:00 AM')).toBe('2024-02-29T09:00');
    expect(one('2/29/2023 9:00 AM')).toBeNull();
    expect(one('1/13/2023 13:00 PM')).toBeNull();
  });

  it('refuses a 12-hour time whose designator it cannot read', () => {
    const result = readLogonTimes(['21/11/2026 9:05 μ.μ.'], { shortTimePattern: 'h:mm tt' });
    expect(result.values).toEqual([null]);
    expect(result.warnings[0]).toMatch(/12-hour/);
    expect(one('21/11/2026 9:05 PM', { shortTimePattern: 'h:mm tt' })).toBe('2026-11-21T21:05');
  });

  it('refuses a pattern the text contradicts', () => {
    expect(one('12/25/2021 10:00', { shortDatePattern: 'dd/MM/yyyy' })).toBeNull();
  });
});

describe('orderFromPattern', () => {
  it('reads the day, month and year order of .NET patterns', () => {
    expect(orderFromPattern('dd.MM.yyyy')).toBe('dmy');
    expect(orderFromPattern('M/d/yyyy')).toBe('mdy');
    expect(orderFromPattern('yyyy-MM-dd')).toBe('ymd');
    expect(orderFromPattern('HH:mm')).toBeNull();
  });
});

describe('splitLogonTime', () => {
  it('finds the time after the date and the designator on either side', () => {
    expect(splitLogonTime('2026/10/10 오후 11:45')).toMatchObject({
      hour: 11,
      minute: 45,
      meridiem: 'pm',
    });
    expect(splitLogonTime('10.08.2026 07:00:12')).toMatchObject({
      hour: 7,
      minute: 0,
      meridiem: null,
    });
    expect(splitLogonTime('10.08.2026')).toBeNull();
  });
});
