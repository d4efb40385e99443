import { describe, expect, it } from 'vitest';
import {
  DocumentNotFoundError,
  InvalidHostParameterError,
  InvalidInstanceError,
  SsmServiceError,
  ThrottledError,
} from '../../../lib/ssm/errors.js';
import { EXIT, type HostEnvelope, type HostOperation } from '../../../lib/ssm/host-contract.js';
import { outcomeOf, outcomeOfSendError, win32ErrorOf } from '../../../lib/ssm/outcome.js';
import { type InvocationReading, parseEnvelope } from '../../../lib/ssm/read.js';

function envelope(operation: HostOperation, overrides: Partial<HostEnvelope> = {}): HostEnvelope {
  return {
    operation,
    exitCode: 0,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    next: null,
    readBack: null,
    disconnectTimes: null,
    consoleSessionId: null,
    shellEnd: null,
    culture: 'en-US',
    shortDatePattern: 'M/d/yyyy',
    shortTimePattern: 'h:mm tt',
    hostTimeUtc: '2026-11-21T19:32:10Z',
    utcOffsetMinutes: 0,
    languageMode: 'FullLanguage',
    guard: null,
    ...overrides,
  };
}

const confirmed = { readBack: { state: 'disconnected', confirmed: true } };
const gone = { readBack: { state: 'gone', confirmed: true } };

/** A reading as GetCommandInvocation would give it, the envelope printed on stdout. */
function reading(
  status: string,
  statusDetails: string,
  responseCode: number | null,
  printed: HostEnvelope | string | null,
  rawStderr = ''
): InvocationReading {
  const rawStdout =
    printed === null ? '' : typeof printed === 'string' ? printed : JSON.stringify(printed);
  const parsed = parseEnvelope(rawStdout);
  return {
    commandId: '11111111-2222-3333-4444-555555555555',
    instanceId: 'i-0123456789abcdef0',
    status,
    statusDetails,
    responseCode,
    comment: 'sj:act_x',
    envelope: parsed.envelope,
    envelopeError: parsed.error,
    rawStdout,
    rawStderr,
  };
}

describe('outcomeOf', () => {
  it('is pending while SSM has not finished', () => {
    for (const [status, details] of [
      ['Pending', 'Pending'],
      ['InProgress', 'In Progress'],
      ['Delayed', 'Delayed'],
      ['Cancelling', 'Cancelling'],
    ] as const) {
      expect(outcomeOf(reading(status, details, -1, null), 'disconnect')).toEqual({
        status: 'pending',
      });
    }
  });

  it('succeeds only with an envelope of the same operation that exited 0', () => {
    const ok = reading('Success', 'Success', 0, envelope('DisconnectSession', confirmed));
    expect(outcomeOf(ok, 'disconnect')).toEqual({
      status: 'succeeded',
      result: { exitCode: 0, errorCode: null, excerpt: '' },
    });
    expect(outcomeOf(ok, 'DisconnectSession').status).toBe('succeeded');
  });

  it('never reports an unconfirmed disconnect as success', () => {
    const cases = [
      reading('Success', 'Success', 0, null),
      reading('Success', 'Success', 0, 'Disconnected.'),
      reading(
        'Success',
        'Success',
        0,
        `${JSON.stringify(envelope('DisconnectSession')).slice(0, 40)}--output truncated--`
      ),
      reading('Success', 'Success', 0, '{"operation":"DisconnectSession"}'),
    ];
    for (const unconfirmed of cases) {
      const outcome = outcomeOf(unconfirmed, 'disconnect');
      expect(outcome.status).toBe('failed');
      expect(outcome.status !== 'pending' && outcome.result.errorCode).toBe('envelope:unreadable');
    }
    const other = outcomeOf(
      reading('Success', 'Success', 0, envelope('LogoffSession')),
      'disconnect'
    );
    expect(other.status !== 'pending' && other.result.errorCode).toBe(
      'envelope:operation-mismatch'
    );
    expect(other.status).toBe('failed');
  });

  it('reads an envelope after a stray line of output', () => {
    const printed = `WARNING: something\r\n${JSON.stringify(envelope('LogoffSession', gone))}\r\n`;
    expect(outcomeOf(reading('Success', 'Success', 0, printed), 'logoff').status).toBe('succeeded');
  });

  it('fails a disconnect or logoff whose tool exited 0 unless the host read the session back as done', () => {
    // Issue 11.6: the exit code of tsdiscon or logoff alone made it `succeeded`.
    for (const [operation, hostOperation] of [
      ['disconnect', 'DisconnectSession'],
      ['logoff', 'LogoffSession'],
    ] as const) {
      const silent = outcomeOf(
        reading('Success', 'Success', 0, envelope(hostOperation)),
        operation
      );
      expect(silent).toEqual({
        status: 'failed',
        result: {
          exitCode: 0,
          errorCode: 'host:not-confirmed',
          excerpt: 'the host did not read the session back',
        },
      });
    }
    const stillActive = envelope('LogoffSession', {
      exitCode: EXIT.notConfirmed,
      stderr: 'logoff.exe exited with code 0, but session 3 is still active.',
      readBack: { state: 'active', confirmed: false },
    });
    expect(outcomeOf(reading('Failed', 'Failed', 3, stillActive), 'logoff')).toEqual({
      status: 'failed',
      result: {
        exitCode: 3,
        errorCode: 'host:not-confirmed',
        excerpt: 'logoff.exe exited with code 0, but session 3 is still active.',
      },
    });
    const disconnectedAfterLogoff = envelope('LogoffSession', {
      readBack: { state: 'disconnected', confirmed: false },
    });
    expect(outcomeOf(reading('Success', 'Success', 0, disconnectedAfterLogoff), 'logoff')).toEqual({
      status: 'failed',
      result: {
        exitCode: 0,
        errorCode: 'host:not-confirmed',
        excerpt: 'session still disconnected',
      },
    });
    expect(
      outcomeOf(
        reading('Success', 'Success', 0, envelope('DisconnectSession', confirmed)),
        'disconnect'
      ).status
    ).toBe('succeeded');
    // A message is not read back: msg.exe's exit code is all there is.
    expect(
      outcomeOf(reading('Success', 'Success', 0, envelope('NotifySession')), 'notify').status
    ).toBe('succeeded');
  });

  it('treats a listing whose tool exited non-zero as a completed listing', () => {
    const empty = envelope('ListSessions', { exitCode: 1, stderr: 'No User exists for *' });
    expect(outcomeOf(reading('Success', 'Success', 0, empty), 'ListSessions')).toEqual({
      status: 'succeeded',
      result: { exitCode: 1, errorCode: null, excerpt: 'No User exists for *' },
    });
  });

  it('skips with the guard code when the host refused', () => {
    const refused = envelope('LogoffSession', {
      exitCode: EXIT.guardUserMismatch,
      guard: { code: 'user-mismatch', message: 'session 3 belongs to CONTOSO\\bob' },
    });
    expect(outcomeOf(reading('Failed', 'Failed', 21, refused), 'logoff')).toEqual({
      status: 'skipped',
      result: {
        exitCode: 21,
        errorCode: 'guard:user-mismatch',
        excerpt: 'session 3 belongs to CONTOSO\\bob',
      },
    });
  });

  it('recognises a guard from the exit code when the envelope is unreadable', () => {
    const outcome = outcomeOf(
      reading('Failed', 'Failed', EXIT.guardConsole, 'garbage'),
      'disconnect'
    );
    expect(outcome.status).toBe('skipped');
    expect(outcome.status !== 'pending' && outcome.result.errorCode).toBe('guard:console-session');
  });

  it('fails with the Win32 error the tool printed', () => {
    const denied = envelope('LogoffSession', {
      exitCode: 1,
      stderr:
        'Could not logoff session ID 4 from session rdp-tcp#3, Error code 5\r\nError [5]:Access is denied.',
    });
    const outcome = outcomeOf(reading('Failed', 'Failed', 1, denied), 'logoff');
    expect(outcome.status).toBe('failed');
    expect(outcome.status !== 'pending' && outcome.result).toMatchObject({
      exitCode: 1,
      errorCode: 'win32:5',
    });
    const net = envelope('CloseSmbSession', {
      exitCode: 2,
      stderr:
        'There is not an open file with that identification number.\r\n\r\nMore help is available by typing NET HELPMSG 2314.',
    });
    const netOutcome = outcomeOf(reading('Failed', 'Failed', 2, net), 'end-smb-session');
    expect(netOutcome.status !== 'pending' && netOutcome.result.errorCode).toBe('win32:2314');
  });

  it('names the host refusing parameters and unexplained exit codes', () => {
    const bad = envelope('NotifySession', {
      exitCode: EXIT.badParameters,
      stderr: 'Message missing',
    });
    const badOutcome = outcomeOf(reading('Failed', 'Failed', 2, bad), 'notify');
    expect(badOutcome.status !== 'pending' && badOutcome.result.errorCode).toBe(
      'host:bad-parameters'
    );
    const odd = envelope('NotifySession', { exitCode: 7 });
    const oddOutcome = outcomeOf(reading('Failed', 'Failed', 7, odd), 'notify');
    expect(oddOutcome.status !== 'pending' && oddOutcome.result.errorCode).toBe('exit:7');
  });

  it('fails a Failed invocation without an envelope, keeping what stderr says', () => {
    const crashed = reading('Failed', 'Failed', 1, null, 'At line:1 char:1 ParserError');
    expect(outcomeOf(crashed, 'logoff')).toEqual({
      status: 'failed',
      result: {
        exitCode: 1,
        errorCode: 'envelope:unreadable',
        excerpt: 'At line:1 char:1 ParserError',
      },
    });
  });

  it('marks undelivered invocations undeliverable: nothing ran', () => {
    for (const [status, details] of [
      ['TimedOut', 'Delivery Timed Out'],
      ['TimedOut', 'DeliveryTimedOut'],
      ['Failed', 'Undeliverable'],
      ['Failed', 'Invalid Platform'],
      ['Failed', 'Access Denied'],
    ] as const) {
      const outcome = outcomeOf(reading(status, details, -1, null), 'logoff');
      expect(outcome.status, details).toBe('undeliverable');
      expect(outcome.status !== 'pending' && outcome.result.errorCode).toBe(
        `ssm:${details.replace(/ /g, '')}`
      );
    }
  });

  it('marks execution timeouts timed_out: the action may have run', () => {
    for (const details of ['Execution Timed Out', 'TimedOut']) {
      const outcome = outcomeOf(reading('TimedOut', details, -1, null), 'disconnect');
      expect(outcome).toEqual({
        status: 'timed_out',
        result: { exitCode: -1, errorCode: 'ssm:ExecutionTimedOut', excerpt: '' },
      });
    }
  });

  it('marks cancelled and terminated invocations cancelled', () => {
    const cancelled = outcomeOf(reading('Cancelled', 'Cancelled', -1, null), 'logoff');
    const terminated = outcomeOf(reading('Cancelled', 'Terminated', -1, null), 'logoff');
    expect(cancelled.status !== 'pending' && cancelled.result.errorCode).toBe('ssm:Cancelled');
    expect(terminated.status !== 'pending' && terminated.result.errorCode).toBe('ssm:Terminated');
    expect([cancelled.status, terminated.status]).toEqual(['cancelled', 'cancelled']);
  });

  it('fails on a status it does not know rather than guessing', () => {
    expect(outcomeOf(reading('Exploded', 'Exploded', null, null), 'logoff')).toMatchObject({
      status: 'failed',
      result: { errorCode: 'ssm:Exploded' },
    });
  });

  it('keeps excerpts short', () => {
    const noisy = envelope('LogoffSession', { exitCode: 1, stderr: 'x'.repeat(5_000) });
    const outcome = outcomeOf(reading('Failed', 'Failed', 1, noisy), 'logoff');
    expect(outcome.status !== 'pending' && outcome.result.excerpt.length).toBe(300);
  });
});

describe('win32ErrorOf', () => {
  it('reads the error number of every Windows tool family', () => {
    expect(win32ErrorOf('Error [5]:Access is denied.')).toBe(5);
    expect(win32ErrorOf('System error 5 has occurred.\r\n\r\nAccess is denied.')).toBe(5);
    expect(win32ErrorOf('More help is available by typing NET HELPMSG 2312.')).toBe(2312);
    expect(win32ErrorOf('Could not disconnect session 9, Error code 7022')).toBe(7022);
    expect(win32ErrorOf('Error 1722 getting session names')).toBe(1722);
    expect(win32ErrorOf('something else')).toBeNull();
  });
});

describe('outcomeOfSendError', () => {
  it('maps refused instances to undeliverable, throttling and 5xx to retry, the rest to failed', () => {
    expect(outcomeOfSendError(new InvalidInstanceError(['i-0123456789abcdef0'], '')).status).toBe(
      'undeliverable'
    );
    expect(outcomeOfSendError(new ThrottledError('SendCommand', 5)).status).toBe('retry');
    expect(
      outcomeOfSendError(new SsmServiceError('SendCommand', 'InternalServerError', 'boom')).status
    ).toBe('retry');
    expect(outcomeOfSendError(new DocumentNotFoundError('SessionJanitor-Operate'))).toMatchObject({
      status: 'failed',
      result: { errorCode: 'ssm:InvalidDocument' },
    });
    expect(outcomeOfSendError(new InvalidHostParameterError('Message', 'bad'))).toMatchObject({
      status: 'failed',
      result: { errorCode: 'request:invalid-parameter' },
    });
    expect(outcomeOfSendError(new TypeError('oops'))).toMatchObject({
      status: 'failed',
      result: { errorCode: 'error:TypeError' },
    });
  });
});
