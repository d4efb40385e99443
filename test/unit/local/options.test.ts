import { describe, expect, it } from 'vitest';
import {
  OptionsError,
  parseDuration,
  parseRuntimeOptions,
} from '../../../local/runtime/options.js';

describe('runtime options', () => {
  it('defaults to the documented demo settings', () => {
    expect(parseRuntimeOptions([], {})).toEqual({
      port: 3000,
      dynamodbPort: 0,
      ssmPort: 0,
      eventsPort: 0,
      fleet: 12,
      sweepEveryMs: 60_000,
      seed: 1,
      policyFile: null,
      timeScale: 1,
      dataDir: '.data',
      inMemory: false,
      hostScript: 'typescript',
    });
  });

  it("sets the session hosts' RDS idle limit with --idle-limit or JANITOR_IDLE_LIMIT, minutes", () => {
    expect(parseRuntimeOptions(['--idle-limit', '30'], {})).toMatchObject({ idleLimitMinutes: 30 });
    expect(parseRuntimeOptions([], { JANITOR_IDLE_LIMIT: '45' })).toMatchObject({
      idleLimitMinutes: 45,
    });
    for (const bad of ['0', '1.5', 'ten', '71583']) {
      expect(() => parseRuntimeOptions(['--idle-limit', bad], {})).toThrow(
        /--idle-limit must be an integer from 1 to 71582/
      );
    }
  });

  it("throttles a fraction of the local SSM's calls with --ssm-throttle or JANITOR_SSM_THROTTLE", () => {
    expect(parseRuntimeOptions(['--ssm-throttle', '0.3'], {})).toMatchObject({
      ssmThrottleRate: 0.3,
    });
    expect(parseRuntimeOptions([], { JANITOR_SSM_THROTTLE: '1' })).toMatchObject({
      ssmThrottleRate: 1,
    });
    for (const bad of ['-0.1', '1.5', 'some', '']) {
      expect(() => parseRuntimeOptions([`--ssm-throttle=${bad}`], {})).toThrow(
        /--ssm-throttle must be a number from 0 to 1/
      );
    }
  });

  it('runs the real script under pwsh with --host-script pwsh or JANITOR_HOST_SCRIPT=pwsh', () => {
    expect(parseRuntimeOptions(['--host-script', 'pwsh'], {})).toMatchObject({
      hostScript: 'pwsh',
    });
    expect(parseRuntimeOptions([], { JANITOR_HOST_SCRIPT: 'pwsh' })).toMatchObject({
      hostScript: 'pwsh',
    });
    expect(
      parseRuntimeOptions(['--host-script', 'typescript'], { JANITOR_HOST_SCRIPT: 'pwsh' })
    ).toMatchObject({ hostScript: 'typescript' });
  });

  it('takes environment variables, and flags win over them', () => {
    const options = parseRuntimeOptions(['--port', '0', '--in-memory'], {
      JANITOR_PORT: '4000',
      JANITOR_FLEET: '3',
      JANITOR_SWEEP_EVERY: '30s',
      JANITOR_TIME_SCALE: '2.5',
    });
    expect(options).toMatchObject({
      port: 0,
      fleet: 3,
      sweepEveryMs: 30_000,
      timeScale: 2.5,
      inMemory: true,
    });
  });

  it.each([
    [['--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['--fleet', '0'], /--fleet must be an integer from 1 to 200/],
    [['--sweep-every', 'soon'], /--sweep-every must be a duration/],
    [['--time-scale=-1'], /--time-scale must be a number/],
    [['--time-scale', '601'], /--time-scale must be a number from 0 to 600/],
    [['--ssm-port', '65536'], /--ssm-port must be an integer from 0 to 65535/],
    [['--unknown'], /Unknown option/],
    [['--host-script', 'powershell'], /--host-script must be typescript or pwsh/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseRuntimeOptions(argv, {})).toThrow(OptionsError);
    expect(() => parseRuntimeOptions(argv, {})).toThrow(message);
  });

  it('takes fixed DynamoDB and SSM ports for tools pointed at them', () => {
    expect(
      parseRuntimeOptions(['--dynamodb-port', '8000'], { JANITOR_SSM_PORT: '8001' })
    ).toMatchObject({ dynamodbPort: 8000, ssmPort: 8001 });
  });

  it('answers help', () => {
    expect(parseRuntimeOptions(['--help'], {})).toBe('help');
  });

  it('reads durations in ms, s, m and h', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1 minute')).toBeNull();
  });
});
