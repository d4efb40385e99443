import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api/errors.js';
import { DEFAULT_WARN_SECONDS, operationOf, parseActionRequest } from '../../../lib/api/schemas.js';

const base = {
  instanceId: 'i-0a1b2c3d4e5f60718',
  ticketId: 'INC0012345',
  reason: 'user stuck in a frozen session',
};

function issuesOf(body: unknown): { code: string; paths: string[] } {
  try {
    parseActionRequest(body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { code: error.code, paths: (error.fields ?? []).map((f) => f.path) };
  }
  throw new Error('expected a bad-request');
}

describe('parseActionRequest', () => {
  it('accepts each operation with its own fields', () => {
    expect(
      parseActionRequest({ ...base, operation: 'logoff', sessionId: 3, userName: 'CORP\\alice' })
    ).toEqual({ ...base, operation: 'logoff', sessionId: 3, userName: 'CORP\\alice' });
    expect(
      parseActionRequest({ ...base, operation: 'notify', sessionId: 3, message: 'Bye now' })
    ).toMatchObject({ warnSeconds: DEFAULT_WARN_SECONDS });
    expect(
      parseActionRequest({ ...base, operation: 'close-file', path: 'D:\\Shares\\R+D\\a (1).txt' })
    ).toMatchObject({ path: 'D:\\Shares\\R+D\\a (1).txt' });
    expect(
      parseActionRequest({ ...base, operation: 'end-smb-session', clientName: '\\\\WS-01' })
    ).toMatchObject({ clientName: 'WS-01' });
    expect(
      parseActionRequest({ ...base, operation: 'disconnect', sessionId: 2, userName: 'Пётр' })
    ).toMatchObject({ userName: 'Пётр' });
  });

  it('refuses fields that belong to another operation', () => {
    expect(issuesOf({ ...base, operation: 'logoff', sessionId: 3, path: 'C:\\x' }).paths).toEqual([
      'body.path',
    ]);
    expect(issuesOf({ ...base, operation: 'close-file', fileId: '1', sessionId: 3 }).paths).toEqual(
      ['body.sessionId']
    );
  });

  it('needs a target for close-file and end-smb-session', () => {
    expect(issuesOf({ ...base, operation: 'close-file' }).paths).toEqual(['body.fileId']);
    expect(issuesOf({ ...base, operation: 'end-smb-session' }).paths).toEqual(['body.clientName']);
    expect(issuesOf({ ...base, operation: 'end-smb-session', confirm: true }).paths).toEqual([
      'body.clientName',
    ]);
  });

  it('refuses any text field that carries a shell metacharacter', () => {
    const fields = [
      ['logoff', 'userName'],
      ['logoff', 'ticketId'],
      ['logoff', 'reason'],
      ['notify', 'message'],
      ['close-file', 'path'],
      ['end-smb-session', 'clientName'],
      ['end-smb-session', 'userName'],
    ] as const;
    const bodies = {
      logoff: { ...base, operation: 'logoff', sessionId: 3, userName: 'alice' },
      notify: { ...base, operation: 'notify', sessionId: 3, message: 'Hello' },
      'close-file': { ...base, operation: 'close-file', path: 'D:\\x.txt' },
      'end-smb-session': {
        ...base,
        operation: 'end-smb-session',
        clientName: 'WS-1',
        userName: 'bob',
      },
    } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          '"',
          "'",
          '`',
          '$',
          ';',
          '|',
          '&',
          '<',
          '>',
          '%',
          '^',
          '\n',
          '\r',
          '\u0000'
        ),
        fc.string({ maxLength: 20 }),
        ([operation, field], before, bad, after) => {
          // ' is inert in a user name, which the host only compares as a string (O'Brien); see
          // lib/ssm/parameters.ts. (Paths here never start with a drive, so they are refused.)
          fc.pre(!(field === 'userName' && bad === "'"));
          const body = { ...bodies[operation], [field]: `a${before}${bad}x${after}` };
          const result = issuesOf(body);
          expect(result.code).toBe('bad-request');
          expect(result.paths).toContain(`body.${field}`);
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('operationOf', () => {
  it('reads the operation before the rest is checked', () => {
    expect(operationOf({ operation: 'close-file', anything: 1 })).toBe('close-file');
    expect(() => operationOf({ operation: 'format-c' })).toThrow(ApiError);
    expect(() => operationOf('logoff')).toThrow(ApiError);
    expect(() => operationOf(null)).toThrow(ApiError);
  });
});
