import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../lib/ssm/host-contract.js';
import { call, stillFleet } from './fleet-helpers.js';

/** A file server with no SMB state: FS-DE-01 emptied through the document itself. */
async function emptyFileServer() {
  const setup = stillFleet();
  const { fleet, fileServer } = setup;
  for (const smb of fleet.host(fileServer).smbSessions) {
    await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: smb.clientComputerName,
    });
  }
  return setup;
}

describe('ListSmbSessions', () => {
  it('prints nothing when there are no SMB sessions (ConvertTo-Json of nothing)', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    expect(run.exitCode).toBe(0);
    expect(envelope).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('prints one session as a JSON object with the selected properties in order', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const id = fleet.addSmbSession(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'CORP\\alice',
      secondsIdle: 33,
    });
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    expect(envelope.stdout).toBe(
      [
        '{',
        `    "SessionId":  ${id},`,
        '    "ClientComputerName":  "10.0.0.5",',
        '    "ClientUserName":  "CORP\\\\alice",',
        '    "NumOpens":  0,',
        '    "SecondsIdle":  33,',
        '    "Dialect":  "3.1.1"',
        '}',
      ].join('\r\n')
    );
    expect(JSON.parse(envelope.stdout)).toMatchObject({ ClientUserName: 'CORP\\alice' });
  });

  it('prints several sessions as an array', async () => {
    const { fleet, fileServer } = stillFleet();
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    const parsed: unknown = JSON.parse(envelope.stdout);
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed).toHaveLength(fleet.host(fileServer).smbSessions.length);
    expect(envelope.stdout.startsWith('[\r\n    {\r\n        "SessionId":  ')).toBe(true);
  });
});

describe('ListOpenFiles', () => {
  it('prints the open files with 64-bit ids, share-relative paths and locks', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const fileId = fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'alice',
      path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
      locks: 1,
      fileId: '4415226383569',
    });
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListOpenFiles' });
    const [smb] = fleet.host(fileServer).smbSessions;
    expect(JSON.parse(envelope.stdout)).toEqual({
      FileId: 4415226383569,
      SessionId: Number(smb?.sessionId),
      Path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
      ShareRelativePath: 'Q3 Report.xlsx',
      ClientComputerName: '10.0.0.5',
      ClientUserName: 'CORP\\alice',
      Locks: 1,
    });
    expect(fileId).toBe('4415226383569');
    expect(smb?.numOpens).toBe(1);
  });
});

describe('CloseSmbSession', () => {
  it('closes every session of a client and the files they hold', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'alice',
      path: 'D:\\a.txt',
    });
    fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'bob',
      path: 'D:\\b.txt',
    });
    fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.6',
      user: 'bob',
      path: 'D:\\c.txt',
    });
    const { run } = await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: '\\\\10.0.0.5',
    });
    expect(run.exitCode).toBe(0);
    const after = fleet.host(fileServer);
    expect(after.smbSessions.map((s) => s.clientComputerName)).toEqual(['10.0.0.6']);
    expect(after.openFiles.map((f) => f.path)).toEqual(['D:\\c.txt']);
  });

  it('closes by user alone, and by client and user together', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    fleet.addSmbSession(fileServer, { clientComputerName: '10.0.0.5', user: 'alice' });
    fleet.addSmbSession(fileServer, { clientComputerName: '10.0.0.6', user: 'alice' });
    fleet.addSmbSession(fileServer, { clientComputerName: '10.0.0.6', user: 'bob' });
    await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: '10.0.0.6',
      UserName: 'CORP\\BOB',
    });
    expect(fleet.host(fileServer).smbSessions.map((s) => s.clientUserName)).toEqual([
      'CORP\\alice',
      'CORP\\alice',
    ]);
    await call(fleet, fileServer, { Operation: 'CloseSmbSession', UserName: 'alice' });
    expect(fleet.host(fileServer).smbSessions).toEqual([]);
  });

  it('refuses to close every session: ClientName or UserName is required (exit 2)', async () => {
    const { fleet, fileServer } = stillFleet();
    const before = fleet.host(fileServer);
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'CloseSmbSession' });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(envelope.stderr).toMatch(/ClientName or UserName/);
    expect(fleet.host(fileServer)).toEqual(before);
  });

  it('refuses with guard 25 when no session matches', async () => {
    const { fleet, fileServer } = stillFleet();
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: '192.0.2.1',
    });
    expect(run.exitCode).toBe(EXIT.guardSmbSessionNotFound);
    expect(envelope.guard).toEqual({
      code: 'smb-session-not-found',
      message: "No SMB session with ClientComputerName '192.0.2.1'.",
    });
  });
});

describe('CloseOpenFile', () => {
  it('closes the file when its path matches ExpectedPath case-insensitively', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const fileId = fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'alice',
      path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
    });
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'CloseOpenFile',
      FileId: fileId,
      ExpectedPath: 'd:\\shares\\finance\\q3 report.XLSX',
    });
    expect(run.exitCode).toBe(0);
    expect(envelope.guard).toBeNull();
    expect(fleet.host(fileServer).openFiles).toEqual([]);
    expect(fleet.host(fileServer).smbSessions[0]?.numOpens).toBe(0);
  });

  it('refuses a file id that now holds another path (guard 24) and one that is gone (guard 23)', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const fileId = fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'alice',
      path: 'D:\\Shares\\HR\\Salaries.xlsx',
    });
    const mismatch = await call(fleet, fileServer, {
      Operation: 'CloseOpenFile',
      FileId: fileId,
      ExpectedPath: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
    });
    expect(mismatch.run.exitCode).toBe(EXIT.guardPathMismatch);
    expect(mismatch.envelope.guard?.code).toBe('path-mismatch');
    expect(fleet.host(fileServer).openFiles).toHaveLength(1);
    const gone = await call(fleet, fileServer, {
      Operation: 'CloseOpenFile',
      FileId: '18446744073709551615',
      ExpectedPath: 'D:\\x',
    });
    expect(gone.run.exitCode).toBe(EXIT.guardFileNotFound);
    expect(gone.envelope.guard?.code).toBe('file-not-found');
  });

  it.each([
    [{ FileId: '12x', ExpectedPath: 'D:\\x' }],
    [{ FileId: '18446744073709551616', ExpectedPath: 'D:\\x' }],
    [{ FileId: '1' }],
  ])('rejects bad parameters %j with exit 2', async (parameters) => {
    const { fleet, fileServer } = stillFleet();
    const { run } = await call(fleet, fileServer, { Operation: 'CloseOpenFile', ...parameters });
    expect(run.exitCode).toBe(EXIT.badParameters);
  });
});
