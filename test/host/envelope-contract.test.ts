import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostOperation } from '../../lib/ssm/host-contract.js';
import { openFilesPageOf, sessionListingOf, shellListingOf } from '../../lib/ssm/listing.js';
import { type Outcome, outcomeOf } from '../../lib/ssm/outcome.js';
import { type InvocationReading, parseEnvelope } from '../../lib/ssm/read.js';
import { parseShells } from '../../lib/windows/shells.js';
import { parseSmbOpenFiles, parseSmbSessions } from '../../lib/windows/smb-json.js';

/**
 * The other half of test/host/contract.Tests.ps1: every envelope the document's REAL script printed
 * under pwsh (test/fixtures/host-envelopes.json) is read by lib/ssm's own reader, as
 * GetCommandInvocation would hand it over (exit 0 is SSM's `Success`, anything else `Failed` with
 * that ResponseCode), and must mean what the service expects. The Pester side fails when the
 * script prints something else than the fixture; this side fails when the fixture was made from
 * another script, so neither language can drift from the other unnoticed.
 */

interface FixtureCase {
  name: string;
  parameters: Record<string, string>;
  culture: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const documentUrl = new URL('../../cdk/document/session-janitor-operate.json', import.meta.url);
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/host-envelopes.json', import.meta.url), 'utf8')
) as { scriptSha256: string; cases: FixtureCase[] };

/** The script as the agent writes it to disk, hashed as contract.Tests.ps1 hashes it. */
function scriptSha256(): string {
  const document = JSON.parse(readFileSync(documentUrl, 'utf8')) as {
    mainSteps: { inputs: { runCommand: string[] } }[];
  };
  const text = document.mainSteps[0]?.inputs.runCommand.join('\n') ?? '';
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function readingOf(fixtureCase: FixtureCase): InvocationReading {
  const parsed = parseEnvelope(fixtureCase.stdout);
  const status = fixtureCase.exitCode === 0 ? 'Success' : 'Failed';
  return {
    commandId: '11111111-2222-3333-4444-555555555555',
    instanceId: 'i-0123456789abcdef0',
    status,
    statusDetails: status,
    responseCode: fixtureCase.exitCode,
    comment: '',
    envelope: parsed.envelope,
    envelopeError: parsed.error,
    rawStdout: fixtureCase.stdout,
    rawStderr: fixtureCase.stderr,
  };
}

type Expected = {
  status: Exclude<Outcome['status'], 'pending'>;
  errorCode: string | null;
  exitCode: number;
  /** What the content reads as: rows listed, or the listing's failure. */
  rows?: number;
  listingFailed?: RegExp;
  truncated?: true;
  /** The host's PowerShell language mode, as its envelope reports it; default FullLanguage. */
  languageMode?: 'ConstrainedLanguage';
  /** ListOpenFiles: a page with more after it, or a listing that fails whole. */
  paged?: true;
  filesFailed?: RegExp;
  /** The operation the service sent, when the script never saw it. */
  sent?: HostOperation;
  /** EndShell: how the host says it ended the shell (only ever on a confirmed end). */
  shellEnd?: 'ended' | 'ended-ungraceful';
};

const EXPECTED: Record<string, Expected> = {
  'list-sessions': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 4 },
  'list-sessions-de-DE': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1 },
  'list-sessions-non-ascii': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1 },
  // quser's "No User exists for *" (exit 1 inside the envelope) is an empty list.
  'list-sessions-no-user': { status: 'succeeded', errorCode: null, exitCode: 1, rows: 0 },
  'list-sessions-access-denied': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 1,
    listingFailed: /^quser failed: .*Access is denied/,
  },
  'list-sessions-quser-missing': { status: 'failed', errorCode: 'exit:1', exitCode: 1 },
  'list-sessions-trimmed': { status: 'succeeded', errorCode: null, exitCode: 0, truncated: true },
  'list-sessions-trimmed-non-ascii': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 0,
    truncated: true,
  },
  disconnect: { status: 'succeeded', errorCode: null, exitCode: 0 },
  logoff: { status: 'succeeded', errorCode: null, exitCode: 0 },
  notify: { status: 'succeeded', errorCode: null, exitCode: 0 },
  'logoff-session-not-found': {
    status: 'skipped',
    errorCode: 'guard:session-not-found',
    exitCode: 20,
  },
  'logoff-user-mismatch': { status: 'skipped', errorCode: 'guard:user-mismatch', exitCode: 21 },
  'disconnect-console': { status: 'skipped', errorCode: 'guard:console-session', exitCode: 22 },
  'logoff-console': { status: 'skipped', errorCode: 'guard:console-session', exitCode: 22 },
  'logoff-console-allowed': { status: 'succeeded', errorCode: null, exitCode: 0 },
  'logoff-access-denied': { status: 'failed', errorCode: 'win32:5', exitCode: 1 },
  'list-sessions-disconnect-times': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 4 },
  'logoff-logon-mismatch': { status: 'skipped', errorCode: 'guard:logon-mismatch', exitCode: 26 },
  'logoff-state-mismatch': { status: 'skipped', errorCode: 'guard:state-mismatch', exitCode: 27 },
  'disconnect-not-idle': { status: 'skipped', errorCode: 'guard:not-idle', exitCode: 28 },
  'logoff-disconnected-too-short': {
    status: 'skipped',
    errorCode: 'guard:disconnected-too-short',
    exitCode: 29,
  },
  // logoff.exe exited 0 and the session is still there: never a success.
  'logoff-not-confirmed': { status: 'failed', errorCode: 'host:not-confirmed', exitCode: 3 },
  'notify-msg-missing': { status: 'failed', errorCode: 'exit:1', exitCode: 1 },
  'logoff-bad-session-id': { status: 'failed', errorCode: 'host:bad-parameters', exitCode: 2 },
  'list-smb-sessions': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 2 },
  'list-smb-sessions-none': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 0 },
  'list-smb-sessions-failed': { status: 'failed', errorCode: 'exit:1', exitCode: 1 },
  'close-smb-session': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1 },
  'close-smb-session-not-found': {
    status: 'skipped',
    errorCode: 'guard:smb-session-not-found',
    exitCode: 25,
  },
  'close-smb-session-everyone': {
    status: 'failed',
    errorCode: 'host:bad-parameters',
    exitCode: 2,
  },
  'list-open-files': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 2 },
  'list-open-files-by-path': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1 },
  'list-open-files-paged': { status: 'succeeded', errorCode: null, exitCode: 0, paged: true },
  // A listing refused its parameters: no list at all, never "nothing open".
  'list-open-files-bad-after': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 2,
    filesFailed: /^ListOpenFiles failed: AfterFileId/,
  },
  'list-open-files-cmdlet-missing': { status: 'failed', errorCode: 'exit:1', exitCode: 1 },
  'close-file': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1 },
  'close-file-not-found': { status: 'skipped', errorCode: 'guard:file-not-found', exitCode: 23 },
  'close-file-path-mismatch': {
    status: 'skipped',
    errorCode: 'guard:path-mismatch',
    exitCode: 24,
  },
  'close-file-bad-file-id': { status: 'failed', errorCode: 'host:bad-parameters', exitCode: 2 },
  'list-shells': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 3 },
  'list-shells-winrm-2': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 3 },
  'list-shells-none': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 0 },
  // WinRM not answering is a failed listing, never "no shells".
  'list-shells-winrm-down': { status: 'failed', errorCode: 'exit:1', exitCode: 1 },
  'end-shell': { status: 'succeeded', errorCode: null, exitCode: 0, rows: 1, shellEnd: 'ended' },
  'end-shell-ungraceful': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 0,
    rows: 1,
    shellEnd: 'ended-ungraceful',
  },
  'end-shell-not-found': { status: 'skipped', errorCode: 'guard:shell-not-found', exitCode: 31 },
  'end-shell-owner-mismatch': {
    status: 'skipped',
    errorCode: 'guard:owner-mismatch',
    exitCode: 32,
  },
  'end-shell-own-shell': { status: 'skipped', errorCode: 'guard:own-shell', exitCode: 33 },
  // WinRM 2.0 shows no ProcessId (Microsoft docs capture): fine from SSM, refused from inside a shell.
  'end-shell-no-process-id': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 0,
    rows: 1,
    shellEnd: 'ended-ungraceful',
  },
  'end-shell-no-process-id-in-shell': {
    status: 'skipped',
    errorCode: 'guard:own-shell',
    exitCode: 33,
  },
  // Fault 2150858843 from Remove-WSManInstance: someone else ended it, this run did nothing.
  'end-shell-gone-meanwhile': {
    status: 'skipped',
    errorCode: 'guard:shell-not-found',
    exitCode: 31,
  },
  // Remove-WSManInstance returned and the shell is still listed: never a success.
  'end-shell-not-confirmed': { status: 'failed', errorCode: 'host:not-confirmed', exitCode: 3 },
  // The client came back, or used the shell, since the listing: nothing was done.
  'end-shell-state-mismatch': {
    status: 'skipped',
    errorCode: 'guard:state-mismatch',
    exitCode: 27,
  },
  'end-shell-not-idle': { status: 'skipped', errorCode: 'guard:not-idle', exitCode: 28 },
  'end-shell-bad-shell-id': { status: 'failed', errorCode: 'host:bad-parameters', exitCode: 2 },
  // No envelope at all: never read as a success, and the exit code alone is no guard.
  'operation-missing': {
    status: 'failed',
    errorCode: 'envelope:unreadable',
    exitCode: 2,
    sent: 'LogoffSession',
  },
  // WDAC or AppLocker: the listing still reads, and says the mode; a session action cannot run.
  'list-sessions-constrained-language': {
    status: 'succeeded',
    errorCode: null,
    exitCode: 0,
    rows: 4,
    languageMode: 'ConstrainedLanguage',
  },
  'logoff-constrained-language': {
    status: 'failed',
    errorCode: 'host:constrained-language',
    exitCode: 30,
    languageMode: 'ConstrainedLanguage',
  },
};

function rowsOf(operation: HostOperation, fixtureCase: FixtureCase): number | null {
  const envelope = parseEnvelope(fixtureCase.stdout).envelope;
  if (envelope === null) return null;
  switch (operation) {
    case 'ListSessions': {
      const listing = sessionListingOf(envelope);
      return listing.kind === 'listed' ? listing.rows.length : null;
    }
    case 'ListSmbSessions':
    case 'CloseSmbSession':
      return parseSmbSessions(envelope.stdout).rows.length;
    case 'ListOpenFiles':
    case 'CloseOpenFile':
      return parseSmbOpenFiles(envelope.stdout).rows.length;
    case 'ListShells': {
      const listing = shellListingOf(envelope);
      return listing.kind === 'listed' ? listing.rows.length : null;
    }
    case 'EndShell':
      return parseShells(envelope.stdout).rows.length;
    default:
      return null;
  }
}

describe('envelopes of the real host script, read by lib/ssm', () => {
  it('were made from the script as it is now', () => {
    expect(
      fixture.scriptSha256,
      'cdk/document/session-janitor-operate.json changed since test/fixtures/host-envelopes.json was made: run npm run fixtures:host (needs npm run setup:pwsh)'
    ).toBe(scriptSha256());
  });

  it('hold exactly the cases this test judges', () => {
    expect(fixture.cases.map((fixtureCase) => fixtureCase.name).sort()).toEqual(
      Object.keys(EXPECTED).sort()
    );
  });

  for (const fixtureCase of fixture.cases) {
    const expected = EXPECTED[fixtureCase.name];
    it(`${fixtureCase.name}: ${expected?.status ?? '?'} ${expected?.errorCode ?? ''}`, () => {
      if (expected === undefined) throw new Error(`no expectation for ${fixtureCase.name}`);
      const operation = expected.sent ?? (fixtureCase.parameters.Operation as HostOperation);
      const reading = readingOf(fixtureCase);
      if (expected.sent === undefined) {
        expect(reading.envelopeError).toBeNull();
        expect(reading.envelope?.operation).toBe(operation);
        expect(reading.envelope?.culture).toBe(fixtureCase.culture);
        // ASCII only: the agent decodes stdout with the console's code page.
        expect(fixtureCase.stdout).toMatch(/^[\x20-\x7e]+\n$/);
      }
      const outcome = outcomeOf(reading, operation);
      expect(outcome).toMatchObject({
        status: expected.status,
        result: { errorCode: expected.errorCode, exitCode: expected.exitCode },
      });
      if (expected.truncated) expect(reading.envelope?.stdoutTruncated).toBe(true);
      if (reading.envelope) {
        expect(reading.envelope.languageMode).toBe(expected.languageMode ?? 'FullLanguage');
      }
      if (expected.rows !== undefined) expect(rowsOf(operation, fixtureCase)).toBe(expected.rows);
      if (reading.envelope) {
        expect(reading.envelope.shellEnd?.outcome ?? null).toBe(expected.shellEnd ?? null);
      }
      if (expected.paged || expected.filesFailed) {
        const page = reading.envelope ? openFilesPageOf(reading.envelope) : null;
        if (expected.filesFailed) {
          expect(page?.kind === 'failed' ? page.reason : '').toMatch(expected.filesFailed);
        } else {
          // One whole page, and where the next one starts.
          expect(page?.kind === 'listed' ? page.next?.afterFileId : null).toBe(
            page?.kind === 'listed' ? page.rows.at(-1)?.id : undefined
          );
        }
      }
      if (expected.listingFailed && reading.envelope) {
        const listing = sessionListingOf(reading.envelope);
        expect(listing.kind === 'failed' ? listing.reason : '').toMatch(expected.listingFailed);
      }
    });
  }

  it('reads the WTS disconnect time of each disconnected session a listing reports', () => {
    const listed = fixture.cases.find((c) => c.name === 'list-sessions-disconnect-times');
    const envelope = listed ? parseEnvelope(listed.stdout).envelope : null;
    const listing = envelope ? sessionListingOf(envelope) : null;
    expect(listing?.kind === 'listed' ? [...listing.disconnectTimes] : null).toEqual([
      [3, '2026-11-21T18:30:15Z'],
    ]);
  });

  it('reads the console session id a listing reports through WTS', () => {
    const listed = fixture.cases.find((c) => c.name === 'list-sessions');
    const envelope = listed ? parseEnvelope(listed.stdout).envelope : null;
    const listing = envelope ? sessionListingOf(envelope) : null;
    expect(listing?.kind === 'listed' ? listing.consoleSessionId : undefined).toBe(1);
  });
});
