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
  it('prints [] when there are no SMB sessions', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    expect(run.exitCode).toBe(0);
    expect(envelope).toMatchObject({ exitCode: 0, stdout: '[]', stderr: '', guard: null });
  });

  it('prints one session as a one-element array, ids as strings, properties in order', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const id = fleet.addSmbSession(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'CORP\\alice',
      secondsIdle: 33,
    });
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    expect(envelope.stdout).toBe(
      `[{"SessionId":"${id}","ClientComputerName":"10.0.0.5","ClientUserName":"CORP\\\\alice","NumOpens":0,"SecondsIdle":33,"SecondsExists":33,"Dialect":"3.1.1"}]`
    );
  });

  it('prints several sessions as an array', async () => {
    const { fleet, fileServer } = stillFleet();
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListSmbSessions' });
    const parsed = JSON.parse(envelope.stdout) as { SessionId: string }[];
    expect(parsed.map((s) => s.SessionId)).toEqual(
      fleet.host(fileServer).smbSessions.map((s) => s.sessionId)
    );
    expect(parsed.length).toBeGreaterThan(1);
  });
});

describe('ListOpenFiles', () => {
  it('prints the open files with 64-bit ids, share-relative paths, locks and access masks', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    const fileId = fleet.addOpenFile(fileServer, {
      clientComputerName: '10.0.0.5',
      user: 'alice',
      path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
      locks: 1,
      permissions: 1179785,
      fileId: '18446744073709551615',
    });
    const { envelope } = await call(fleet, fileServer, { Operation: 'ListOpenFiles' });
    const [smb] = fleet.host(fileServer).smbSessions;
    expect(JSON.parse(envelope.stdout)).toEqual([
      {
        FileId: '18446744073709551615',
        SessionId: smb?.sessionId,
        Path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
        ShareRelativePath: 'Q3 Report.xlsx',
        ClientComputerName: '10.0.0.5',
        ClientUserName: 'CORP\\alice',
        Locks: 1,
        Permissions: 1179785,
      },
    ]);
    expect(fileId).toBe('18446744073709551615');
    expect(smb?.numOpens).toBe(1);
  });

  it("escapes & and ' in paths as JavaScriptSerializer does", async () => {
    const { fleet, fileServer } = await emptyFileServer();
    fleet.addOpenFile(fileServer, {
      clientComputerName: 'pc',
      user: 'a',
      path: "D:\\Shares\\Marketing\\O'Brien & Co.pptx",
    });
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'ListOpenFiles' });
    expect(envelope.stdout).toContain('O\\u0027Brien \\u0026 Co.pptx');
    expect(run.stdout).not.toMatch(/[&']/);
  });
});

describe('CloseSmbSession', () => {
  it('closes every session of a client and the files they hold, printing what it closed', async () => {
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
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: '10.0.0.5',
    });
    expect(run.exitCode).toBe(0);
    expect(
      (JSON.parse(envelope.stdout) as { ClientUserName: string }[]).map((s) => s.ClientUserName)
    ).toEqual(expect.arrayContaining(['CORP\\alice', 'CORP\\bob']));
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

  it('matches an IPv6 client with or without brackets', async () => {
    const { fleet, fileServer } = await emptyFileServer();
    fleet.addSmbSession(fileServer, {
      clientComputerName: '[fe80::c8c0:f65d:3bc6:7313]',
      user: 'a',
    });
    const { run } = await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: 'FE80::C8C0:F65D:3BC6:7313',
    });
    expect(run.exitCode).toBe(0);
    expect(fleet.host(fileServer).smbSessions).toEqual([]);
  });

  it('refuses to close every session: ClientName or UserName is required (exit 2)', async () => {
    const { fleet, fileServer } = stillFleet();
    const before = fleet.host(fileServer);
    const { run, envelope } = await call(fleet, fileServer, { Operation: 'CloseSmbSession' });
    expect(run.exitCode).toBe(EXIT.badParameters);
    expect(envelope.stderr).toBe(
      'CloseSmbSession needs ClientName or UserName: it never closes every session.'
    );
    expect(fleet.host(fileServer)).toEqual(before);
  });

  it('refuses with guard 25 when no session matches', async () => {
    const { fleet, fileServer } = stillFleet();
    const before = fleet.host(fileServer);
    const { run, envelope } = await call(fleet, fileServer, {
      Operation: 'CloseSmbSession',
      ClientName: '192.0.2.1',
    });
    expect(run.exitCode).toBe(EXIT.guardSmbSessionNotFound);
    expect(envelope.guard).toEqual({
      code: 'smb-session-not-found',
      message: 'No SMB session matches ClientName and UserName.',
    });
    expect(fleet.host(fileServer)).toEqual(before);
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
    expect(JSON.parse(envelope.stdout)).toEqual([expect.objectContaining({ FileId: fileId })]);
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
    expect(mismatch.envelope.guard).toEqual({
      code: 'path-mismatch',
      message: `Open file ${fileId} is D:\\Shares\\HR\\Salaries.xlsx, not the expected path.`,
    });
    expect(fleet.host(fileServer).openFiles).toHaveLength(1);
    const gone = await call(fleet, fileServer, {
      Operation: 'CloseOpenFile',
      FileId: '18446744073709551615',
      ExpectedPath: 'D:\\x',
    });
    expect(gone.run.exitCode).toBe(EXIT.guardFileNotFound);
    expect(gone.envelope.guard?.message).toBe('No open file has ID 18446744073709551615.');
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
