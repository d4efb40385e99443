import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionTarget } from '../../../lib/actions/model.js';
import { InvalidHostParameterError } from '../../../lib/ssm/errors.js';
import type { HostParameters } from '../../../lib/ssm/host-contract.js';
import {
  assertValidHostParameters,
  PARAMETER_PATTERNS,
  toHostParameters,
} from '../../../lib/ssm/parameters.js';

const session: ActionTarget = { kind: 'session', sessionId: 3, expectedUser: 'CONTOSO\\alice' };

const INJECTIONS = [
  'alice; Remove-Item C:\\ -Recurse',
  'alice | Out-File x',
  'alice`whoami',
  '$(whoami)',
  'alice\nwhoami',
  'alice\r\nwhoami',
  "alice' + 'x",
  'alice" + "x',
  '--% /c calc',
  'alice & calc',
  'a<b',
  'a>b',
  '%PATH%',
  'a'.repeat(5_000),
];

function refusal(fn: () => unknown): InvalidHostParameterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidHostParameterError) return error;
    throw error;
  }
  throw new Error('expected an InvalidHostParameterError');
}

describe('toHostParameters', () => {
  it('maps disconnect and logoff to the session operations with their guard parameters', () => {
    expect(toHostParameters({ operation: 'disconnect', target: session })).toEqual({
      Operation: 'DisconnectSession',
      SessionId: '3',
      ExpectedUser: 'CONTOSO\\alice',
    });
    expect(toHostParameters({ operation: 'logoff', target: session })).toEqual({
      Operation: 'LogoffSession',
      SessionId: '3',
      ExpectedUser: 'CONTOSO\\alice',
    });
  });

  it('lets the host log off the console only for a request that said console: true (issue 12.5)', () => {
    const api = (overrides?: { console?: true }) => ({
      kind: 'api' as const,
      ticketId: 'INC-1',
      caller: 'helpdesk',
      ...(overrides ? { overrides } : {}),
    });
    expect(
      toHostParameters({ operation: 'logoff', target: session, trigger: api({ console: true }) })
    ).toEqual({
      Operation: 'LogoffSession',
      SessionId: '3',
      ExpectedUser: 'CONTOSO\\alice',
      AllowConsole: 'true',
    });
    expect(
      toHostParameters({ operation: 'logoff', target: session, trigger: api() })
    ).not.toHaveProperty('AllowConsole');
    expect(
      toHostParameters({
        operation: 'logoff',
        target: session,
        trigger: { kind: 'schedule', sweepId: 's' },
      })
    ).not.toHaveProperty('AllowConsole');
    // The console is never disconnected: the host does not take AllowConsole for it.
    expect(
      toHostParameters({
        operation: 'disconnect',
        target: session,
        trigger: api({ console: true }),
      })
    ).not.toHaveProperty('AllowConsole');
    expect(
      refusal(() =>
        assertValidHostParameters({
          Operation: 'LogoffSession',
          SessionId: '3',
          ExpectedUser: 'alice',
          AllowConsole: 'yes',
        })
      ).parameter
    ).toBe('AllowConsole');
    expect(
      refusal(() =>
        assertValidHostParameters({
          Operation: 'DisconnectSession',
          SessionId: '3',
          ExpectedUser: 'alice',
          AllowConsole: 'true',
        })
      ).parameter
    ).toBe('AllowConsole');
  });

  it('carries message and countdown for notify', () => {
    expect(
      toHostParameters({
        operation: 'notify',
        target: session,
        message: 'Your session will be logged off in 10 minutes. Save your work!',
        warnSeconds: 600,
      })
    ).toEqual({
      Operation: 'NotifySession',
      SessionId: '3',
      ExpectedUser: 'CONTOSO\\alice',
      Message: 'Your session will be logged off in 10 minutes. Save your work!',
      WarnSeconds: '600',
    });
  });

  it('maps end-smb-session to CloseSmbSession with only the given selectors', () => {
    expect(
      toHostParameters({
        operation: 'end-smb-session',
        target: { kind: 'smb', clientName: 'WS-042', userName: null },
      })
    ).toEqual({ Operation: 'CloseSmbSession', ClientName: 'WS-042' });
    expect(
      toHostParameters({
        operation: 'end-smb-session',
        target: { kind: 'smb', clientName: '[fe80::1]', userName: 'CONTOSO\\bob' },
      })
    ).toEqual({ Operation: 'CloseSmbSession', ClientName: '[fe80::1]', UserName: 'CONTOSO\\bob' });
  });

  it('maps close-file to CloseOpenFile with the expected path guard', () => {
    expect(
      toHostParameters({
        operation: 'close-file',
        target: {
          kind: 'file',
          fileId: '18446744073709551615',
          expectedPath: 'D:\\Shares\\Finance\\Q3 Report (final).xlsx',
        },
      })
    ).toEqual({
      Operation: 'CloseOpenFile',
      FileId: '18446744073709551615',
      ExpectedPath: 'D:\\Shares\\Finance\\Q3 Report (final).xlsx',
    });
  });

  it('refuses a target of the wrong kind', () => {
    const error = refusal(() =>
      toHostParameters({
        operation: 'logoff',
        target: { kind: 'file', fileId: '1', expectedPath: 'D:\\x' },
      })
    );
    expect(error.parameter).toBe('target');
    expect(error.code).toBe('invalid-parameter');
  });

  it('refuses closing every SMB session', () => {
    const error = refusal(() =>
      toHostParameters({
        operation: 'end-smb-session',
        target: { kind: 'smb', clientName: null, userName: null },
      })
    );
    expect(error.message).toMatch(/ClientName or UserName/);
  });

  it('refuses notify without a message, and leaves the countdown to msg when none is given', () => {
    expect(
      refusal(() => toHostParameters({ operation: 'notify', target: session })).parameter
    ).toBe('Message');
    expect(
      toHostParameters({
        operation: 'notify',
        target: session,
        message: 'Hello',
        warnSeconds: null,
      })
    ).toEqual({
      Operation: 'NotifySession',
      SessionId: '3',
      ExpectedUser: 'CONTOSO\\alice',
      Message: 'Hello',
    });
  });

  it('counts a message as the host does: UTF-16 units, and a first letter inside the BMP', () => {
    // SSM checks allowedPattern with Java and Go, which count code points; the script re-checks
    // with .NET, where a letter outside the Basic Multilingual Plane is two surrogates (no letter)
    // and counts twice. What the host would refuse is refused here.
    const notify = (message: string) => () =>
      toHostParameters({ operation: 'notify', target: session, message, warnSeconds: 30 });
    const mathBoldA = '\u{1D400}';
    expect(refusal(notify(`${mathBoldA}ttention please`)).parameter).toBe('Message');
    expect(refusal(notify(`${mathBoldA}ttention please`)).message).toMatch(/UTF-16|Plane/);
    expect(refusal(notify(`A${'x'.repeat(253)}${mathBoldA}`)).parameter).toBe('Message');
    expect(notify(`A${'x'.repeat(252)}${mathBoldA}`)().Message).toHaveLength(255);
    expect(notify(`Hello ${mathBoldA} and \u{20000}`)().Message).toBe(
      `Hello ${mathBoldA} and \u{20000}`
    );
  });

  it('refuses out-of-range numbers', () => {
    const bad = [
      { sessionId: 65_537, parameter: 'SessionId' },
      { sessionId: -1, parameter: 'SessionId' },
      { sessionId: 1.5, parameter: 'SessionId' },
    ];
    for (const { sessionId, parameter } of bad) {
      expect(
        refusal(() => toHostParameters({ operation: 'logoff', target: { ...session, sessionId } }))
          .parameter
      ).toBe(parameter);
    }
    expect(
      refusal(() =>
        toHostParameters({
          operation: 'close-file',
          target: { kind: 'file', fileId: '18446744073709551616', expectedPath: 'D:\\x' },
        })
      ).parameter
    ).toBe('FileId');
    expect(
      refusal(() =>
        toHostParameters({
          operation: 'notify',
          target: session,
          message: 'Hi',
          warnSeconds: 86_401,
        })
      ).parameter
    ).toBe('WarnSeconds');
  });

  it('refuses every injection string in every free-text parameter', () => {
    for (const value of INJECTIONS) {
      expect(
        refusal(() =>
          toHostParameters({ operation: 'logoff', target: { ...session, expectedUser: value } })
        ).parameter
      ).toBe('ExpectedUser');
      expect(
        refusal(() =>
          toHostParameters({
            operation: 'notify',
            target: session,
            message: value,
            warnSeconds: 60,
          })
        ).parameter
      ).toBe('Message');
      // `&`, `'`, `$` and `%` are legal in file names ("R&D", "O'Brien", "$Recycle.Bin",
      // "100%") and inert in a string the script only compares: a path made of them is a path.
      const pathInert = /^[\p{L}\p{N} ._()+&'$%-]{0,990}$/u.test(value);
      const close = () =>
        toHostParameters({
          operation: 'close-file',
          target: { kind: 'file', fileId: '7', expectedPath: `D:\\Shares\\${value}` },
        });
      if (pathInert) expect(close().ExpectedPath).toBe(`D:\\Shares\\${value}`);
      if (!pathInert) {
        expect(
          refusal(() =>
            toHostParameters({
              operation: 'close-file',
              target: { kind: 'file', fileId: '7', expectedPath: `D:\\Shares\\${value}` },
            })
          ).parameter
        ).toBe('ExpectedPath');
      }
      expect(
        refusal(() =>
          toHostParameters({
            operation: 'end-smb-session',
            target: { kind: 'smb', clientName: value, userName: null },
          })
        ).parameter
      ).toBe('ClientName');
    }
  });

  it('refuses document interpolation syntax in names and messages', () => {
    const value = '{{ Message }}';
    expect(
      refusal(() =>
        toHostParameters({ operation: 'logoff', target: { ...session, expectedUser: value } })
      ).parameter
    ).toBe('ExpectedUser');
    expect(
      refusal(() =>
        toHostParameters({ operation: 'notify', target: session, message: value, warnSeconds: 60 })
      ).parameter
    ).toBe('Message');
  });

  it('never lets a quote, $, backtick, ;, | or line break through in any generated message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (message) => {
        let accepted = true;
        try {
          toHostParameters({ operation: 'notify', target: session, message, warnSeconds: 30 });
        } catch (error) {
          if (!(error instanceof InvalidHostParameterError)) throw error;
          accepted = false;
        }
        return !accepted || !/["'`$;|\r\n<>%]/.test(message);
      }),
      { numRuns: 500 }
    );
  });
});

describe('assertValidHostParameters', () => {
  it('accepts legal values of every kind', () => {
    const legal: HostParameters[] = [
      { Operation: 'ListSessions' },
      { Operation: 'LogoffSession', SessionId: '0', ExpectedUser: 'Administrator' },
      { Operation: 'LogoffSession', SessionId: '65536', ExpectedUser: 'josé.garcía' },
      { Operation: 'CloseSmbSession', UserName: 'CONTOSO\\RDSH-01$' },
      { Operation: 'CloseSmbSession', ClientName: '10.0.0.15' },
      {
        Operation: 'CloseOpenFile',
        FileId: '0',
        ExpectedPath: '\\\\fs01.contoso.local\\Finance\\Q3 Report.xlsx',
      },
    ];
    for (const parameters of legal)
      expect(() => assertValidHostParameters(parameters)).not.toThrow();
  });

  it('refuses parameters the document does not define or the operation does not take', () => {
    const unknown = { Operation: 'ListSessions', Script: 'x' } as unknown as HostParameters;
    expect(refusal(() => assertValidHostParameters(unknown)).parameter).toBe('Script');
    expect(
      refusal(() => assertValidHostParameters({ Operation: 'ListSessions', SessionId: '3' }))
        .parameter
    ).toBe('SessionId');
  });

  it('refuses an operation the document does not know', () => {
    const bad = { Operation: 'RunScript' } as unknown as HostParameters;
    expect(refusal(() => assertValidHostParameters(bad)).parameter).toBe('Operation');
  });
});

describe('PARAMETER_PATTERNS', () => {
  it('equals the allowedPattern of every parameter of the Command document', () => {
    const document = JSON.parse(
      readFileSync(
        new URL('../../../cdk/document/session-janitor-operate.json', import.meta.url),
        'utf8'
      )
    ) as { parameters: Record<string, { allowedPattern?: string }> };
    for (const [name, pattern] of Object.entries(PARAMETER_PATTERNS)) {
      expect(document.parameters[name]?.allowedPattern, name).toBe(pattern);
    }
  });
});
