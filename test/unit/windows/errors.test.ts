import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../lib/windows/columns.js';
import { findWindowsError } from '../../../lib/windows/errors.js';

const find = (text: string) => findWindowsError(splitLines(text));

describe('findWindowsError', () => {
  it('reads the TS tools bracketed error', () => {
    expect(
      find('Error 0x00000005 enumerating sessionnames\r\nError [5]:Access is denied.\r\n')
    ).toEqual({
      code: 5,
      message: 'Access is denied.',
    });
    expect(
      find(
        'Could not logoff session ID 0 from session Console, Error code 5\nError [5]: Access is denied.'
      )
    ).toEqual({
      code: 5,
      message: 'Access is denied.',
    });
  });

  it('reads a bare numbered error line, in hexadecimal or decimal', () => {
    expect(find('Error 0x000006BA enumerating sessionnames')).toMatchObject({ code: 1722 });
    expect(find('Error 1722 getting session names')).toMatchObject({ code: 1722 });
  });

  it('reads net.exe Win32 and NERR errors', () => {
    expect(find('System error 5 has occurred.\r\n\r\nAccess is denied.\r\n')).toEqual({
      code: 5,
      message: 'Access is denied.',
    });
    expect(find('Systemfehler 5 aufgetreten.\r\n\r\nZugriff verweigert\r\n')).toEqual({
      code: 5,
      message: 'Zugriff verweigert',
    });
    expect(
      find(
        'A session does not exist with that computer name.\r\n\r\nMore help is available by typing NET HELPMSG 2312.\r\n'
      )
    ).toEqual({ code: 2312, message: 'A session does not exist with that computer name.' });
  });

  it('reads failures that carry no number', () => {
    expect(find('ERROR: Logged-on user does not have administrative privilege.')).toEqual({
      code: null,
      message: 'Logged-on user does not have administrative privilege.',
    });
    expect(find('Invalid parameter(s)\nDisplay information about users')).toEqual({
      code: null,
      message: 'Invalid parameter(s)',
    });
    expect(find('No valid response was provided.')).toMatchObject({ code: null });
  });

  it('reads a PowerShell error record', () => {
    const text = [
      'Get-SmbOpenFile : Access denied',
      '    + CategoryInfo          : PermissionDenied: (MSFT_SMBOpenFile:ROOT/Microsoft/...) [Get-SmbOpenFile], CimException',
      '    + FullyQualifiedErrorId : Windows System Error 5,Get-SmbOpenFile',
    ].join('\r\n');
    expect(find(text)).toEqual({ code: 5, message: 'Access denied' });
  });

  it('finds nothing in ordinary text', () => {
    expect(find('')).toBeNull();
    expect(find(' USERNAME  SESSIONNAME')).toBeNull();
  });
});
