import { describe, expect, it } from 'vitest';
import { parseNetFile, readNetFile } from '../../../lib/windows/net-file.js';
import { parseNetSession, readNetSession } from '../../../lib/windows/net-session.js';

// `net session` lists are real captures (windows-facts.md §8.2); the detail views and `net file`
// tables are synthetic, built on the documented layouts.

describe('parseNetSession', () => {
  it('reads the list with IPv4 and IPv6 clients and both idle forms', () => {
    const text = [
      'Computer               User name            Client Type       Opens Idle time',
      '',
      '-------------------------------------------------------------------------------',
      '\\\\10.10.75.1           sec504                                     5 00:01:57',
      '\\\\127.0.0.1            Administrat0r                              1 05D 22H 02M',
      '\\\\[::1]                svc-admin                                  0 00:00:04',
      'The command completed successfully.',
    ].join('\r\n');
    expect(parseNetSession(text)).toEqual({
      rows: [
        { client: '10.10.75.1', userName: 'sec504', clientType: null, opens: 5, idleSeconds: 117 },
        {
          client: '127.0.0.1',
          userName: 'Administrat0r',
          clientType: null,
          opens: 1,
          idleSeconds: 511_320,
        },
        { client: '[::1]', userName: 'svc-admin', clientType: null, opens: 0, idleSeconds: 4 },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads the client type column when older servers fill it (synthetic)', () => {
    const text = [
      'Computer               User name            Client Type       Opens Idle time',
      '-------------------------------------------------------------------------------',
      '\\\\PC01                 alice                Windows 2002 Serv     2 00:10:00',
    ].join('\n');
    expect(parseNetSession(text).rows[0]).toEqual({
      client: 'PC01',
      userName: 'alice',
      clientType: 'Windows 2002 Serv',
      opens: 2,
      idleSeconds: 600,
    });
  });

  it('reads the \\\\client detail view, summing the opens of its shares (synthetic)', () => {
    const text = [
      'User name       ADMINISTRATOR',
      'Computer        10.10.75.1',
      'Guest logon     No',
      'Client type',
      'Sess time       00:02:56',
      'Idle time       00:00:26',
      '',
      'Share name     Type     # Opens',
      '',
      '--------------------------------------',
      'IPC$           IPC      0',
      'Data           Disk     3',
      'The command completed successfully.',
    ].join('\r\n');
    expect(parseNetSession(text)).toEqual({
      rows: [
        {
          client: '10.10.75.1',
          userName: 'ADMINISTRATOR',
          clientType: null,
          opens: 3,
          idleSeconds: 26,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads the empty list, the delete confirmation and errors', () => {
    expect(parseNetSession('There are no entries in the list.\r\n')).toEqual({
      rows: [],
      error: null,
      warnings: [],
    });
    expect(parseNetSession('The command completed successfully.\r\n')).toEqual({
      rows: [],
      error: null,
      warnings: [],
    });
    expect(
      parseNetSession('System error 5 has occurred.\r\n\r\nAccess is denied.\r\n').error
    ).toEqual({
      code: 5,
      message: 'Access is denied.',
    });
    expect(
      parseNetSession(
        'A session does not exist with that computer name.\r\n\r\nMore help is available by typing NET HELPMSG 2312.\r\n'
      ).error
    ).toEqual({ code: 2312, message: 'A session does not exist with that computer name.' });
  });

  it('says a net file table is not net session output', () => {
    const netFile = [
      'ID         Path                                    User name            # Locks',
      '-'.repeat(79),
    ].join('\n');
    expect(readNetSession(netFile)).toMatchObject({ kind: 'not-recognised' });
    expect(readNetSession('just words')).toMatchObject({ kind: 'not-recognised' });
  });
});

describe('parseNetFile', () => {
  const header = 'ID         Path                                    User name            # Locks';
  it('reads paths with spaces and keeps ids as strings', () => {
    const text = [
      header,
      '',
      '-'.repeat(79),
      '1342178304 C:\\Shares\\Finance\\Q3 report.xlsx        CORP\\alice           0',
      '4294967295 D:\\Data\\a.txt                           bob                  2',
      'The command completed successfully.',
    ].join('\r\n');
    expect(parseNetFile(text)).toEqual({
      rows: [
        {
          id: '1342178304',
          path: 'C:\\Shares\\Finance\\Q3 report.xlsx',
          userName: 'CORP\\alice',
          locks: 0,
        },
        { id: '4294967295', path: 'D:\\Data\\a.txt', userName: 'bob', locks: 2 },
      ],
      error: null,
      warnings: [],
    });
  });

  it('reads a path that overflows into the user column', () => {
    const text = [
      header,
      '-'.repeat(79),
      '7 C:\\Shares\\Very Long Folder Name\\Deeper\\Still deeper\\file.docx carol  1',
    ].join('\n');
    expect(parseNetFile(text).rows[0]).toEqual({
      id: '7',
      path: 'C:\\Shares\\Very Long Folder Name\\Deeper\\Still deeper\\file.docx',
      userName: 'carol',
      locks: 1,
    });
  });

  it('reads the ID detail view (synthetic)', () => {
    const text = [
      'File ID         7',
      'User name       carol',
      'Locks           1',
      'Path            C:\\x y.txt',
      'Permissions     R',
    ].join('\n');
    expect(parseNetFile(text).rows).toEqual([
      { id: '7', path: 'C:\\x y.txt', userName: 'carol', locks: 1 },
    ]);
  });

  it('reads the empty list and the NERR for an unknown id', () => {
    expect(parseNetFile('There are no entries in the list.')).toEqual({
      rows: [],
      error: null,
      warnings: [],
    });
    expect(
      parseNetFile(
        'There is not an open file with that identification number.\r\n\r\nMore help is available by typing NET HELPMSG 2314.'
      ).error
    ).toMatchObject({ code: 2314 });
    expect(readNetFile(`Computer  User name\n${'-'.repeat(40)}`)).toMatchObject({
      kind: 'not-recognised',
    });
  });
});
