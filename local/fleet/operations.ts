import {
  ENVELOPE_STDOUT_LIMIT,
  EXIT,
  GUARD_EXIT,
  type GuardCode,
  type HostOperation,
  type HostParameters,
} from '../../lib/ssm/host-contract.js';
import {
  type HostState,
  idleMinutes,
  type OpenFileState,
  openCount,
  type SessionState,
  type SmbSessionState,
  shareRelativePath,
} from './host-state.js';
import { asciiOnly, convertToJsonCompress, type PsJson, type PsObject } from './ps-json.js';
import { renderQuser } from './text-layout.js';

/*
 * The semantics of `cdk/document/session-janitor-operate.json`, step by step: its parameter checks
 * and messages, its guards (the WTS view of a session: owner, console), the Windows tools' output
 * as `Invoke-Native` collects it (lines joined by CRLF), and its envelope.
 */

const LIST_OPERATIONS: ReadonlySet<HostOperation> = new Set([
  'ListSessions',
  'ListSmbSessions',
  'ListOpenFiles',
]);
const ENVELOPE_MAX_LENGTH = 20_000;
const STDERR_LIMIT = 2_000;
/** Sessions that exist without a user: services (0) and the RDP listener (65536). */
const USERLESS_SESSIONS: ReadonlySet<number> = new Set([0, 65536]);
/** The document's WarnSeconds range, which the script checks again. */
const MAX_WARN_SECONDS = 86_400;
/** What `logoff.exe` / `tsdiscon.exe` exit with when they fail (windows-facts §17: non-zero). */
const TS_TOOL_FAILURE = 1;

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  guard: { code: GuardCode; message: string } | null;
}

/** What the fleet must do beyond this host when a session ends (its SMB sessions elsewhere). */
export interface OperationEffects {
  sessionEnded(host: HostState, session: SessionState): void;
}

export interface OperationResult {
  /** Process exit code of the script: list operations exit 0. */
  exitCode: number;
  /** The envelope line the script prints. */
  stdout: string;
}

const result = (exitCode: number, stdout: string, stderr: string): Outcome => ({
  exitCode,
  stdout,
  stderr,
  guard: null,
});
const bad = (message: string): Outcome => result(EXIT.badParameters, '', message);
const refuse = (code: GuardCode, message: string): Outcome => ({
  exitCode: GUARD_EXIT[code],
  stdout: '',
  stderr: message,
  guard: { code, message },
});

/** Runs one operation of `SessionJanitor-Operate` against the host's state, as the script would. */
export function runOperation(
  host: HostState,
  parameters: HostParameters,
  now: number,
  effects: OperationEffects
): OperationResult {
  const outcome = dispatch(host, parameters, now, effects);
  const exitCode = LIST_OPERATIONS.has(parameters.Operation) ? EXIT.ok : outcome.exitCode;
  return { exitCode, stdout: envelope(host, parameters.Operation, outcome, now) };
}

function envelope(host: HostState, operation: string, outcome: Outcome, now: number): string {
  let stdout = outcome.stdout;
  let truncated = stdout.length > ENVELOPE_STDOUT_LIMIT;
  if (truncated) stdout = stdout.slice(0, ENVELOPE_STDOUT_LIMIT);
  const stderr = outcome.stderr.slice(0, STDERR_LIMIT);
  for (;;) {
    const json = asciiOnly(
      convertToJsonCompress(
        new Map<string, PsJson>([
          ['operation', operation],
          ['exitCode', outcome.exitCode],
          ['stdout', stdout],
          ['stderr', stderr],
          ['stdoutTruncated', truncated],
          ['culture', host.locale.culture],
          ['shortDatePattern', host.locale.shortDatePattern],
          ['shortTimePattern', host.locale.shortTimePattern],
          ['hostTimeUtc', `${new Date(now).toISOString().slice(0, 19)}Z`],
          ['utcOffsetMinutes', host.utcOffsetMinutes],
          [
            'guard',
            outcome.guard
              ? new Map([
                  ['code', outcome.guard.code],
                  ['message', outcome.guard.message],
                ])
              : null,
          ],
        ])
      )
    );
    // Escaping can make the line longer than the characters it holds: cut by the overshoot.
    if (json.length <= ENVELOPE_MAX_LENGTH) return json;
    stdout = stdout.slice(0, Math.max(0, stdout.length - (json.length - ENVELOPE_MAX_LENGTH)));
    truncated = true;
  }
}

function dispatch(
  host: HostState,
  p: HostParameters,
  now: number,
  effects: OperationEffects
): Outcome {
  switch (p.Operation) {
    case 'ListSessions':
      return listSessions(host, now);
    case 'DisconnectSession':
    case 'LogoffSession':
    case 'NotifySession':
      return sessionAction(host, p, now, effects);
    case 'ListSmbSessions':
      return result(
        EXIT.ok,
        jsonArray(sortById(host.smbSessions).map((s) => smbRow(host, s, now))),
        ''
      );
    case 'CloseSmbSession':
      return closeSmbSession(host, p, now);
    case 'ListOpenFiles':
      return result(EXIT.ok, jsonArray(sortById(host.openFiles).map((f) => fileRow(host, f))), '');
    case 'CloseOpenFile':
      return closeOpenFile(host, p);
    default:
      return bad('Unknown or missing Operation: SSM Agent 3.3.2746.0 or later is required.');
  }
}

/** `quser`: its table, or "No User exists for *" on stderr and exit code 1 when nobody is on. */
function listSessions(host: HostState, now: number): Outcome {
  const rows = [...host.sessions.values()].map((s) => ({
    userName: s.userName,
    sessionName: s.sessionName,
    id: s.id,
    state: s.state,
    idleMinutes: idleMinutes(s, now),
    console: s.console,
    logonTime: new Date(s.logonAt),
  }));
  if (rows.length === 0) {
    return result(EXIT.commandFailed, '', `${host.locale.noUserExists('*')}\r\n`);
  }
  return result(EXIT.ok, renderQuser(rows, host.locale, host.utcOffsetMinutes), '');
}

function sessionAction(
  host: HostState,
  p: HostParameters,
  now: number,
  effects: OperationEffects
): Outcome {
  const operation = p.Operation;
  const sessionId = p.SessionId ?? '';
  const expectedUser = p.ExpectedUser ?? '';
  if (!/^(?:0|[1-9][0-9]{0,4})$/.test(sessionId) || Number(sessionId) > 65536) {
    return bad(`${operation} needs SessionId (0-65536).`);
  }
  if (!/^(?:[^\\\r\n]{1,64}\\)?[^\\\r\n]{1,64}$/.test(expectedUser)) {
    return bad(`${operation} needs ExpectedUser (user or DOMAIN\\user).`);
  }
  const message = p.Message ?? '';
  const warnSeconds = p.WarnSeconds ?? '';
  if (operation === 'NotifySession') {
    if (!isMsgText(message)) {
      return bad(
        'NotifySession needs Message (1-255 characters, starting with a letter or digit, without quotes, backslashes or control characters).'
      );
    }
    if (
      warnSeconds !== '' &&
      (!/^[1-9][0-9]{0,4}$/.test(warnSeconds) || Number(warnSeconds) > MAX_WARN_SECONDS)
    ) {
      return bad('WarnSeconds must be a number of seconds (1-86400).');
    }
  }
  const id = Number(sessionId);
  const session = host.sessions.get(id);
  if (!session && !USERLESS_SESSIONS.has(id)) {
    return refuse('session-not-found', `Session ${sessionId} does not exist.`);
  }
  if (!session || !accountMatches(session.domain, session.userName, expectedUser)) {
    const owner = session ? `${session.domain}\\${session.userName}` : 'nobody';
    return refuse(
      'user-mismatch',
      `Session ${sessionId} belongs to ${owner}, not to the expected user.`
    );
  }
  if (operation === 'DisconnectSession' && session.console) {
    return refuse(
      'console-session',
      `Session ${sessionId} is the console session, which is never disconnected.`
    );
  }
  if (operation === 'NotifySession') {
    host.notifications.push({
      sessionId: id,
      userName: session.userName,
      message,
      seconds: warnSeconds === '' ? null : Number(warnSeconds),
      sentAt: now,
    });
    return result(EXIT.ok, '', '');
  }
  const action = operation === 'LogoffSession' ? 'logoff' : 'disconnect';
  if (session.protected) {
    const tool = action === 'logoff' ? 'logoff.exe' : 'tsdiscon.exe';
    const stderr = `${host.locale.couldNot(action, id, session.sessionName)}\r\n${host.locale.accessDeniedLine}\r\n${tool} exited with code ${TS_TOOL_FAILURE}.`;
    return result(EXIT.commandFailed, '', stderr);
  }
  if (action === 'logoff') {
    host.sessions.delete(id);
    effects.sessionEnded(host, session);
  } else {
    session.state = 'disconnected';
    session.sessionName = null;
    session.working = false;
  }
  return result(EXIT.ok, '', '');
}

function closeSmbSession(host: HostState, p: HostParameters, now: number): Outcome {
  const clientName = p.ClientName ?? '';
  const userName = p.UserName ?? '';
  if (clientName === '' && userName === '') {
    return bad('CloseSmbSession needs ClientName or UserName: it never closes every session.');
  }
  const matching = sortById(host.smbSessions).filter((s) => {
    const [domain, user] = splitDomain(s.clientUserName);
    return (
      (clientName === '' || sameClient(s.clientComputerName, clientName)) &&
      (userName === '' || accountMatches(domain, user, userName))
    );
  });
  if (matching.length === 0) {
    return refuse('smb-session-not-found', 'No SMB session matches ClientName and UserName.');
  }
  const closed = jsonArray(matching.map((s) => smbRow(host, s, now)));
  for (const s of matching) closeSmbSessionState(host, s.id);
  return result(EXIT.ok, closed, '');
}

function closeOpenFile(host: HostState, p: HostParameters): Outcome {
  const fileIdText = p.FileId ?? '';
  const expectedPath = p.ExpectedPath ?? '';
  if (!/^[0-9]{1,20}$/.test(fileIdText) || BigInt(fileIdText) > 0xffff_ffff_ffff_ffffn) {
    return bad('CloseOpenFile needs FileId (an unsigned 64-bit number).');
  }
  if (expectedPath === '') return bad('CloseOpenFile needs ExpectedPath.');
  const file = host.openFiles.get(BigInt(fileIdText));
  if (!file) return refuse('file-not-found', `No open file has ID ${fileIdText}.`);
  if (file.path.toLowerCase() !== expectedPath.toLowerCase()) {
    return refuse(
      'path-mismatch',
      `Open file ${fileIdText} is ${file.path}, not the expected path.`
    );
  }
  const closed = jsonArray([fileRow(host, file)]);
  host.openFiles.delete(file.id);
  return result(EXIT.ok, closed, '');
}

/** Ends an SMB session and, with it, every file it holds open. */
export function closeSmbSessionState(host: HostState, id: bigint): void {
  host.smbSessions.delete(id);
  for (const [fileId, file] of host.openFiles) {
    if (file.smbSessionId === id) host.openFiles.delete(fileId);
  }
}

/** `ConvertTo-Json -InputObject @(...) -Compress`: always an array, `[]` when empty. */
function jsonArray(rows: readonly PsObject[]): string {
  return convertToJsonCompress(rows);
}

/** The document's `Select-SmbSession`: ids as strings, because uint64 exceeds 2^53. */
function smbRow(host: HostState, s: SmbSessionState, now: number): PsObject {
  return new Map<string, PsJson>([
    ['SessionId', s.id.toString()],
    ['ClientComputerName', s.clientComputerName],
    ['ClientUserName', s.clientUserName],
    ['NumOpens', openCount(host, s.id)],
    ['SecondsIdle', Math.max(0, Math.floor((now - s.lastRequestAt) / 1000))],
    ['SecondsExists', Math.max(0, Math.floor((now - s.createdAt) / 1000))],
    ['Dialect', s.dialect],
  ]);
}

/** The document's `Select-SmbOpenFile`. */
function fileRow(host: HostState, f: OpenFileState): PsObject {
  const session = host.smbSessions.get(f.smbSessionId);
  return new Map<string, PsJson>([
    ['FileId', f.id.toString()],
    ['SessionId', f.smbSessionId.toString()],
    ['Path', f.path],
    ['ShareRelativePath', shareRelativePath(f.path)],
    ['ClientComputerName', session?.clientComputerName ?? null],
    ['ClientUserName', session?.clientUserName ?? null],
    ['Locks', f.locks],
    ['Permissions', f.permissions],
  ]);
}

/**
 * The script's own Message check, in UTF-16 code units as .NET counts them: a letter or digit, then
 * up to 254 characters that are neither quote, backslash nor control character.
 */
function isMsgText(message: string): boolean {
  if (message.length > 255 || !/^[\p{L}\p{N}]$/u.test(message.charAt(0))) return false;
  for (let i = 1; i < message.length; i++) {
    const code = message.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** `user` or `DOMAIN\user`, case-insensitive; the domain is compared only when given. */
function accountMatches(domain: string, user: string, expected: string): boolean {
  const [wantDomain, wantUser] = splitDomain(expected);
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return same(user, wantUser) && (!expected.includes('\\') || same(domain, wantDomain));
}

function splitDomain(account: string): [string, string] {
  const slash = account.indexOf('\\');
  return slash < 0 ? ['', account] : [account.slice(0, slash), account.slice(slash + 1)];
}

/** Get-SmbSession shows IPv6 clients in brackets; callers may send them bare. */
function sameClient(actual: string, expected: string): boolean {
  const bare = (name: string) => name.replace(/^[[\]]+|[[\]]+$/g, '').toLowerCase();
  return bare(actual) === bare(expected);
}

function sortById<T extends { id: bigint }>(items: ReadonlyMap<bigint, T>): T[] {
  return [...items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
