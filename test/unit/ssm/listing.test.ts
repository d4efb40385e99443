import { describe, expect, it } from 'vitest';
import { type HostEnvelope, hostEnvelopeSchema } from '../../../lib/ssm/host-contract.js';
import { openFilesPageOf, sessionListingOf, shellListingOf } from '../../../lib/ssm/listing.js';

// Synthetic envelopes; the quser lines follow the English layout of the captured fixtures.
const envelope = (over: Partial<HostEnvelope>): HostEnvelope =>
  hostEnvelopeSchema.parse({
    operation: 'ListSessions',
    exitCode: 0,
    stdout: '',
    stderr: '',
    culture: 'en-US',
    shortDatePattern: 'M/d/yyyy',
    shortTimePattern: 'h:mm tt',
    hostTimeUtc: '2026-11-21T20:00:00Z',
    ...over,
  });

describe('sessionListingOf', () => {
  it('reads the sessions with the host date patterns', () => {
    const listing = sessionListingOf(
      envelope({
        stdout: [
          ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
          ' alice                 rdp-tcp#3           2  Active         47  11/3/2026 8:05 AM',
        ].join('\r\n'),
      })
    );
    expect(listing).toMatchObject({
      kind: 'listed',
      rows: [{ userName: 'alice', id: 2, idleMinutes: 47, logonTime: '2026-11-03T08:05' }],
    });
  });

  it('takes "No User exists" on stderr as an empty list', () => {
    expect(sessionListingOf(envelope({ exitCode: 1, stderr: 'No User exists for *\r\n' }))).toEqual(
      { kind: 'listed', rows: [], warnings: [], disconnectTimes: new Map(), consoleSessionId: null }
    );
  });

  it('fails with the Windows error, or when the output is not quser output', () => {
    expect(
      sessionListingOf(envelope({ exitCode: 1, stderr: 'Error [5]:Access is denied.\r\n' }))
    ).toEqual({ kind: 'failed', reason: 'quser failed: Access is denied.' });
    expect(sessionListingOf(envelope({ stdout: 'hello world' }))).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/^not quser output/),
    });
  });
});

describe('openFilesPageOf', () => {
  // Synthetic rows in the shape of the script's Select-SmbOpenFile.
  const rows = [
    { FileId: '4415226383569', SessionId: '8813272891441', Path: 'D:\\Shares\\Q3.xlsx' },
    { FileId: '4415226383570', SessionId: '8813272891441', Path: 'D:\\Shares\\Q4.xlsx' },
  ].map((r) => ({ ...r, ClientComputerName: 'PC1', ClientUserName: 'CORP\\alice', Locks: 0 }));
  const files = (over: Partial<HostEnvelope>) =>
    envelope({ operation: 'ListOpenFiles', stdout: JSON.stringify(rows), ...over });

  it('reads a page and what comes after it', () => {
    const next = { afterFileId: '4415226383570', remaining: 3 };
    expect(openFilesPageOf(files({ next }))).toMatchObject({
      kind: 'listed',
      rows: [{ id: '4415226383569' }, { id: '4415226383570' }],
      next,
    });
  });

  it('never reads a cut listing as "nothing open" (issue 12: a false 404)', () => {
    const whole = JSON.stringify(rows);
    const cut = files({ stdout: whole.slice(0, whole.length - 40), stdoutTruncated: true });
    expect(openFilesPageOf(cut)).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/had to cut its open-file listing/),
    });
    // Cut at an object boundary, it would even parse: the flag alone decides.
    const atBoundary = files({ stdout: JSON.stringify(rows.slice(0, 1)), stdoutTruncated: true });
    expect(openFilesPageOf(atBoundary).kind).toBe('failed');
    expect(openFilesPageOf(files({ stdout: '[{"FileId": 4415' })).kind).toBe('failed');
  });

  it('fails a listing the script refused or the cmdlet could not make', () => {
    const refused = files({ exitCode: 2, stdout: '', stderr: 'AfterFileId must be …' });
    expect(openFilesPageOf(refused)).toEqual({
      kind: 'failed',
      reason: 'ListOpenFiles failed: AfterFileId must be …',
    });
  });
});

describe('shellListingOf', () => {
  const shell = {
    ShellId: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
    Owner: 'CONTOSO\\alice',
    State: 'Disconnected',
    ShellInactivity: 'PT600.000S',
    ChildProcesses: '0',
  };

  it('reads the shells of a whole listing', () => {
    const listing = shellListingOf(
      envelope({ operation: 'ListShells', stdout: JSON.stringify([shell]) })
    );
    expect(listing).toMatchObject({
      kind: 'listed',
      rows: [{ shellId: shell.ShellId, state: 'disconnected', inactivitySeconds: 600 }],
    });
  });

  it('is a failure, never "no shells", when WinRM did not answer, the host cut it or it is no listing', () => {
    for (const over of [
      {
        exitCode: 1,
        stderr: 'The client cannot connect to the destination specified in the request.',
      },
      { stdout: JSON.stringify([shell]).slice(0, 40), stdoutTruncated: true },
      { stdout: 'USERNAME SESSIONNAME' },
    ]) {
      expect(shellListingOf(envelope({ operation: 'ListShells', ...over })).kind).toBe('failed');
    }
  });
});
