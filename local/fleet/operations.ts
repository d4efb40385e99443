import {
  ENVELOPE_STDOUT_LIMIT,
  EXIT,
  GUARD_EXIT,
  type GuardCode,
  type HostParameters,
} from '../../lib/ssm/host-contract.js';
import { isListOperation } from '../../lib/ssm/parameters.js';
import { CmdletError } from './errors.js';
import { asciiOnly, convertToJsonCompress, type PsJson, type PsObject } from './ps-json.js';
import { SSM_PROCESS_CHAIN } from './shells.js';
import type {
  HostScriptRun,
  SmbOpenFileObject,
  SmbSessionObject,
  WindowsHost,
  WtsSessionInfo,
} from './types.js';
import { fileTime, NO_CONSOLE_SESSION, WTS_INFO } from './windows.js';

/*
 * The TypeScript stand-in of `cdk/document/session-janitor-operate.json`, step by step: its
 * parameter checks and messages, its guards (through the WTS queries), the Windows tools' output
 * as `Invoke-Native` collects it (lines joined by CRLF), and its envelope. It runs against the
 * same simulated Windows (`windows.ts`) as the real script does under `--host-script pwsh`; where
 * the two disagree, the script is right.
 */

const ENVELOPE_MAX_LENGTH = 20_000;
const STDERR_LIMIT = 2_000;
const GUARD_MESSAGE_LIMIT = 1_000;
/** The document's WarnSeconds range, which the script checks again. */
const MAX_WARN_SECONDS = 86_400;
/** The script's `$WtsStates`: WTS_CONNECTSTATE_CLASS names in their order. */
const WTS_STATES = [
  'active',
  'connected',
  'connect-query',
  'shadow',
  'disconnected',
  'idle',
  'listen',
  'reset',
  'down',
  'init',
] as const;
const FILETIME_PER_MINUTE = 600_000_000n;
const UNKNOWN_OPERATION =
  'Unknown or missing Operation: SSM Agent 3.3.2746.0 or later is required.';

interface ReadBack {
  state: string;
  confirmed: boolean;
}

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  guard: { code: GuardCode; message: string } | null;
  /** `ListOpenFiles`: the page is not the last. */
  next?: { afterFileId: string; remaining: number };
  readBack?: ReadBack;
  disconnectTimes?: DisconnectTime[];
  /** `ListSessions`: `Get-ConsoleSessionId`. */
  consoleSessionId?: number | null;
  /** `EndShell`, confirmed: how it ended the shell and what the shell had. */
  shellEnd?: { outcome: string; state: PsJson; childProcesses: PsJson; shellInactivity: PsJson };
}

interface DisconnectTime {
  sessionId: number;
  disconnectTime: string | null;
}

const result = (exitCode: number, stdout: string, stderr: string): Outcome => ({
  exitCode,
  stdout,
  stderr,
  guard: null,
});
const bad = (message: string): Outcome => result(EXIT.badParameters, '', message);
const refuse = (code: GuardCode, text: string): Outcome => {
  const message = text.slice(0, GUARD_MESSAGE_LIMIT);
  return { exitCode: GUARD_EXIT[code], stdout: '', stderr: message, guard: { code, message } };
};

/** Runs one operation of `SessionJanitor-Operate` on a simulated host, as the script would. */
export async function standInScript(
  windows: WindowsHost,
  parameters: HostParameters
): Promise<HostScriptRun> {
  const operation: string = parameters.Operation;
  let outcome: Outcome | null;
  let listing = isListOperation(parameters.Operation);
  try {
    outcome = dispatch(windows, parameters);
  } catch (error) {
    if (!(error instanceof CmdletError)) throw error;
    // The script's top-level catch: the message, and a failed run even for a list operation.
    outcome = result(EXIT.commandFailed, '', error.message);
    listing = false;
  }
  if (outcome === null) {
    // The script's own default branch: no envelope, one line on stderr, exit 2.
    return { exitCode: EXIT.badParameters, stdout: '', stderr: `${UNKNOWN_OPERATION}\r\n` };
  }
  const exitCode = listing ? EXIT.ok : outcome.exitCode;
  // [Console]::Out.WriteLine: the envelope ends with a Windows line end.
  return { exitCode, stdout: `${envelope(windows, operation, outcome)}\r\n`, stderr: '' };
}

function envelope(windows: WindowsHost, operation: string, outcome: Outcome): string {
  const culture = windows.culture();
  const now = windows.now();
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
          [
            'next',
            outcome.next
              ? new Map<string, PsJson>([
                  ['afterFileId', outcome.next.afterFileId],
                  ['remaining', outcome.next.remaining],
                ])
              : null,
          ],
          [
            'readBack',
            outcome.readBack
              ? new Map<string, PsJson>([
                  ['state', outcome.readBack.state],
                  ['confirmed', outcome.readBack.confirmed],
                ])
              : null,
          ],
          [
            'disconnectTimes',
            outcome.disconnectTimes
              ? outcome.disconnectTimes.map(
                  (entry) =>
                    new Map<string, PsJson>([
                      ['sessionId', entry.sessionId],
                      ['disconnectTime', entry.disconnectTime],
                    ])
                )
              : null,
          ],
          ['consoleSessionId', outcome.consoleSessionId ?? null],
          [
            'shellEnd',
            outcome.shellEnd
              ? new Map<string, PsJson>([
                  ['outcome', outcome.shellEnd.outcome],
                  ['state', outcome.shellEnd.state],
                  ['childProcesses', outcome.shellEnd.childProcesses],
                  ['shellInactivity', outcome.shellEnd.shellInactivity],
                ])
              : null,
          ],
          ['culture', culture.name],
          ['shortDatePattern', culture.shortDatePattern],
          ['shortTimePattern', culture.shortTimePattern],
          ['hostTimeUtc', `${now.toISOString().slice(0, 19)}Z`],
          ['utcOffsetMinutes', windows.utcOffsetMinutes()],
          ['languageMode', windows.languageMode()],
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
    if (json.length <= ENVELOPE_MAX_LENGTH || stdout.length === 0) return json;
    // As the script: cut from the end what the overshoot needs, a non-ASCII character counting
    // six (its escape) and any other one.
    let overshoot = json.length - ENVELOPE_MAX_LENGTH;
    let keep = stdout.length;
    while (overshoot > 0 && keep > 0) {
      keep--;
      overshoot -= stdout.charCodeAt(keep) > 0x7f ? 6 : 1;
    }
    stdout = stdout.slice(0, keep);
    truncated = true;
  }
}

function dispatch(windows: WindowsHost, p: HostParameters): Outcome | null {
  switch (p.Operation) {
    case 'ListSessions': {
      const run = invokeNative(windows, 'quser.exe', []);
      const listed = result(run.exitCode, run.stdout, run.stderr);
      return {
        ...listed,
        disconnectTimes: disconnectTimes(windows),
        consoleSessionId: consoleSessionId(windows),
      };
    }
    case 'DisconnectSession':
    case 'LogoffSession':
    case 'NotifySession':
      return sessionAction(windows, p);
    case 'ListSmbSessions':
      return result(EXIT.ok, jsonArray(windows.getSmbSession().map(smbRow)), '');
    case 'CloseSmbSession':
      return closeSmbSession(windows, p);
    case 'ListOpenFiles':
      return listOpenFiles(windows, p);
    case 'CloseOpenFile':
      return closeOpenFile(windows, p);
    case 'ListShells':
      return result(EXIT.ok, jsonArray(shellRows(windows)), '');
    case 'EndShell':
      return endShell(windows, p);
    default:
      return null;
  }
}

/** `Invoke-Native`: every stderr line is collected with a CRLF after it. */
function invokeNative(windows: WindowsHost, tool: string, args: readonly string[]) {
  const run = windows.runTool(tool, args);
  const stderr = run.stderr
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => `${line}\r\n`)
    .join('');
  return { ...run, stderr };
}

function sessionAction(windows: WindowsHost, p: HostParameters): Outcome {
  const operation = p.Operation;
  const sessionId = p.SessionId ?? '';
  const expectedUser = p.ExpectedUser ?? '';
  if (!/^(?:0|[1-9][0-9]{0,4})$/.test(sessionId) || Number(sessionId) > 65536) {
    return bad(`${operation} needs SessionId (0-65536).`);
  }
  if (!/^(?:[^\\\r\n]{1,64}\\)?[^\\\r\n]{1,64}$/.test(expectedUser)) {
    return bad(`${operation} needs ExpectedUser (user or DOMAIN\\user).`);
  }
  const args = [sessionId];
  if (operation === 'NotifySession') {
    const message = p.Message ?? '';
    const warnSeconds = p.WarnSeconds ?? '';
    if (!isMsgText(message)) {
      return bad(
        'NotifySession needs Message (1-255 characters, starting with a letter or digit, without quotes, backslashes or control characters).'
      );
    }
    if (warnSeconds !== '') {
      if (!/^[1-9][0-9]{0,4}$/.test(warnSeconds) || Number(warnSeconds) > MAX_WARN_SECONDS) {
        return bad('WarnSeconds must be a number of seconds (1-86400).');
      }
      args.push(`/time:${warnSeconds}`);
    }
    args.push(message);
  }
  const expected = expectedFacts(operation, p);
  if (typeof expected === 'string') return bad(expected);
  const allowConsole = p.AllowConsole ?? '';
  if (!/^(?:true)?$/.test(allowConsole)) return bad('AllowConsole must be true or empty.');
  const mode = windows.languageMode();
  if (mode !== 'FullLanguage') {
    return result(
      EXIT.constrainedLanguage,
      '',
      `PowerShell runs in ${mode} mode on this host (WDAC or AppLocker): Add-Type is blocked, so the session guards cannot run. Nothing was done.`
    );
  }
  const refusal = sessionGuard(
    windows,
    sessionId,
    expectedUser,
    operation,
    allowConsole === 'true'
  );
  if (refusal) return refusal;
  const readsBack = operation !== 'NotifySession';
  let facts: Facts | null = null;
  if (readsBack || expected.logonTime !== '') {
    facts = sessionFacts(windows, Number(sessionId));
    const stale = factsGuard(windows, facts, sessionId, expected);
    if (stale) return stale;
  }
  const tool = { DisconnectSession: 'tsdiscon.exe', LogoffSession: 'logoff.exe' }[
    operation as 'DisconnectSession' | 'LogoffSession'
  ];
  const run = invokeNative(windows, tool ?? 'msg.exe', args);
  if (run.exitCode !== 0) {
    return result(
      EXIT.commandFailed,
      run.stdout,
      `${run.stderr}${tool ?? 'msg.exe'} exited with code ${run.exitCode}.`
    );
  }
  if (!readsBack || tool === undefined) return result(EXIT.ok, run.stdout, run.stderr);
  // The simulated Windows acts at once: the script's first look is the one that counts.
  const readBack = readBackOf(windows, operation, Number(sessionId), facts?.logonTime ?? 0n);
  const outcome = readBack.confirmed
    ? result(EXIT.ok, run.stdout, run.stderr)
    : result(
        EXIT.notConfirmed,
        run.stdout,
        `${run.stderr}${tool} exited with code 0, but session ${sessionId} is still ${readBack.state}.`
      );
  return { ...outcome, readBack };
}

interface ExpectedFacts {
  logonTime: string;
  state: string;
  minIdleMinutes: string;
  minDisconnectedMinutes: string;
}

interface Facts {
  state: string;
  disconnectTime: bigint;
  lastInputTime: bigint;
  logonTime: bigint;
  now: bigint;
}

/** `Get-ExpectedFacts`: the guard parameters, each checked again; a message when one is malformed. */
function expectedFacts(operation: string, p: HostParameters): ExpectedFacts | string {
  const expected = {
    logonTime: p.ExpectedLogonTime ?? '',
    state: p.ExpectedState ?? '',
    minIdleMinutes: p.MinIdleMinutes ?? '',
    minDisconnectedMinutes: p.MinDisconnectedMinutes ?? '',
  };
  if (
    expected.logonTime !== '' &&
    !/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$/.test(expected.logonTime)
  ) {
    return `${operation} needs ExpectedLogonTime as yyyy-MM-ddTHH:mm.`;
  }
  if (expected.state !== '' && !/^(?:active|disconnected)$/.test(expected.state)) {
    return `${operation} needs ExpectedState active or disconnected.`;
  }
  for (const [name, value] of [
    ['MinIdleMinutes', expected.minIdleMinutes],
    ['MinDisconnectedMinutes', expected.minDisconnectedMinutes],
  ] as const) {
    if (value !== '' && !/^(?:0|[1-9][0-9]{0,5})$/.test(value)) {
      return `${operation} needs ${name} as whole minutes (0-999999).`;
    }
  }
  return expected;
}

/** `Get-ConsoleSessionId`: the session attached to the console, `null` when none is. */
function consoleSessionId(windows: WindowsHost): number | null {
  if (windows.languageMode() !== 'FullLanguage') return null;
  const id = windows.wtsActiveConsoleSessionId();
  return id === NO_CONSOLE_SESSION ? null : id;
}

/** `Get-DisconnectTimes`: each disconnected session's WTS DisconnectTime. */
function disconnectTimes(windows: WindowsHost): DisconnectTime[] {
  // No Add-Type, so no WTS, in ConstrainedLanguage mode: the listing goes without the times.
  if (windows.languageMode() !== 'FullLanguage') return [];
  const times: DisconnectTime[] = [];
  for (const id of windows.wtsSessionIds()) {
    const facts = sessionFacts(windows, id);
    if (facts === null || facts.state !== 'disconnected') continue;
    const at = facts.disconnectTime > 0n ? fileTimeIso(facts.disconnectTime) : null;
    times.push({ sessionId: id, disconnectTime: at === null ? null : `${at.slice(0, 19)}Z` });
  }
  return times;
}

function fileTimeIso(time: bigint): string {
  return new Date(Number(time / 10_000n) - 11_644_473_600_000).toISOString();
}

/** `Get-SessionFacts`: one WTSSessionInfo snapshot. */
function sessionFacts(windows: WindowsHost, id: number): Facts | null {
  const info: WtsSessionInfo | null = windows.wtsSessionInfo(id);
  if (info === null) return null;
  const now = info.currentTime > 0n ? info.currentTime : fileTime(windows.now().getTime());
  return {
    state: WTS_STATES[info.state] ?? 'unknown',
    disconnectTime: info.disconnectTime,
    lastInputTime: info.lastInputTime,
    logonTime: info.logonTime,
    now,
  };
}

/** `Get-MinutesSince`: -1 for a time Windows does not hold. */
function minutesSince(then: bigint, now: bigint): bigint {
  if (then <= 0n) return -1n;
  const elapsed = now - then;
  // [Math]::Floor of the division: toward minus infinity.
  const minutes = elapsed / FILETIME_PER_MINUTE;
  return elapsed < 0n && elapsed % FILETIME_PER_MINUTE !== 0n ? minutes - 1n : minutes;
}

/** `Format-LogonTime`: to the minute in the host's time zone, as quser prints it. */
function formatLogonTime(windows: WindowsHost, logon: bigint): string {
  if (logon <= 0n) return 'an unknown time';
  const ms = Date.parse(fileTimeIso(logon));
  return new Date(ms + windows.utcOffsetMinutes() * 60_000).toISOString().slice(0, 16);
}

/** `Test-SessionFacts`: the logon, state and idle or disconnected time the plan saw. */
function factsGuard(
  windows: WindowsHost,
  facts: Facts | null,
  sessionId: string,
  expected: ExpectedFacts
): Outcome | null {
  if (facts === null) return refuse('session-not-found', `Session ${sessionId} does not exist.`);
  if (expected.logonTime !== '') {
    const logon = formatLogonTime(windows, facts.logonTime);
    if (logon !== expected.logonTime) {
      return refuse(
        'logon-mismatch',
        `Session ${sessionId} is a logon of ${logon}, not the expected one of ${expected.logonTime}.`
      );
    }
  }
  if (expected.state !== '' && facts.state !== expected.state) {
    return refuse(
      'state-mismatch',
      `Session ${sessionId} is ${facts.state}, not ${expected.state}.`
    );
  }
  if (expected.minIdleMinutes !== '') {
    const idle = minutesSince(facts.lastInputTime, facts.now);
    if (idle < BigInt(expected.minIdleMinutes)) {
      const seen = idle >= 0n ? `${idle} min` : 'an unknown time';
      return refuse(
        'not-idle',
        `Session ${sessionId} has been idle ${seen}, less than ${expected.minIdleMinutes} min.`
      );
    }
  }
  if (expected.minDisconnectedMinutes !== '') {
    const away = minutesSince(facts.disconnectTime, facts.now);
    if (away < BigInt(expected.minDisconnectedMinutes)) {
      const seen = away >= 0n ? `${away} min` : 'an unknown time';
      return refuse(
        'disconnected-too-short',
        `Session ${sessionId} has been disconnected ${seen}, less than ${expected.minDisconnectedMinutes} min.`
      );
    }
  }
  return null;
}

/** `Get-ReadBack`: gone (or its ID holds another logon), or the state it is in now. */
function readBackOf(
  windows: WindowsHost,
  operation: string,
  id: number,
  logonTime: bigint
): ReadBack {
  const facts = sessionFacts(windows, id);
  const state =
    facts !== null && (logonTime <= 0n || facts.logonTime === logonTime) ? facts.state : 'gone';
  const confirmed =
    state === 'gone' || (operation === 'DisconnectSession' && state === 'disconnected');
  return { state, confirmed };
}

/** `Test-SessionGuard`: owner and station through WTS, never through quser's localized text. */
function sessionGuard(
  windows: WindowsHost,
  sessionId: string,
  expectedUser: string,
  operation: string,
  allowConsole: boolean
): Outcome | null {
  const id = Number(sessionId);
  if (!windows.wtsSessionExists(id)) {
    return refuse('session-not-found', `Session ${sessionId} does not exist.`);
  }
  const user = windows.wtsQueryText(id, WTS_INFO.UserName) ?? '';
  const domain = windows.wtsQueryText(id, WTS_INFO.DomainName) ?? '';
  if (user === '' || !accountMatches(domain, user, expectedUser)) {
    const owner = (domain === '' ? user : `${domain}\\${user}`) || 'nobody';
    return refuse(
      'user-mismatch',
      `Session ${sessionId} belongs to ${owner}, not to the expected user.`
    );
  }
  // Never disconnected; logged off only when the request said so (AllowConsole).
  if (operation === 'DisconnectSession' || (operation === 'LogoffSession' && !allowConsole)) {
    const station = windows.wtsQueryText(id, WTS_INFO.WinStationName) ?? '';
    if (id === windows.wtsActiveConsoleSessionId() || sameText(station, 'Console')) {
      const rule =
        operation === 'LogoffSession'
          ? 'which is logged off only with AllowConsole.'
          : 'which is never disconnected.';
      return refuse('console-session', `Session ${sessionId} is the console session, ${rule}`);
    }
  }
  return null;
}

function closeSmbSession(windows: WindowsHost, p: HostParameters): Outcome {
  const clientName = p.ClientName ?? '';
  const userName = p.UserName ?? '';
  if (clientName === '' && userName === '') {
    return bad('CloseSmbSession needs ClientName or UserName: it never closes every session.');
  }
  const matching = windows.getSmbSession().filter((s) => {
    const [domain, user] = splitDomain(s.ClientUserName);
    return (
      (clientName === '' || sameClient(s.ClientComputerName, clientName)) &&
      (userName === '' || accountMatches(domain, user, userName))
    );
  });
  if (matching.length === 0) {
    return refuse('smb-session-not-found', 'No SMB session matches ClientName and UserName.');
  }
  const closed = jsonArray(matching.map(smbRow));
  // A session that ended meanwhile is ObjectNotFound, which the script tolerates.
  for (const s of matching) windows.closeSmbSession(s.SessionId);
  return result(EXIT.ok, closed, '');
}

/**
 * What a row costs as a string in the envelope, as the script counts it: quote and backslash
 * escaped, `& < > '` as 5.1 escapes them (\u0026, escaped again), non-ASCII as \uxxxx.
 */
function envelopeCost(json: string): number {
  const count = (pattern: RegExp) => json.match(pattern)?.length ?? 0;
  return json.length + count(/["\\]/g) + 6 * count(/[&<>']/g) + 5 * count(/[\u0080-\uffff]/g);
}

/** `Invoke-ListOpenFiles`: matched by path as a string, sorted by FileId, one page that fits. */
function listOpenFiles(windows: WindowsHost, p: HostParameters): Outcome {
  const pathFilter = p.PathFilter ?? '';
  const afterText = p.AfterFileId ?? '';
  if (
    afterText !== '' &&
    (!/^[0-9]{1,20}$/.test(afterText) || BigInt(afterText) > 0xffff_ffff_ffff_ffffn)
  ) {
    return bad('AfterFileId must be an open file ID (an unsigned 64-bit number).');
  }
  if (
    pathFilter !== '' &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the script's own re-check
    !/^(?:[A-Za-z]:\\|\\\\[^\\\x00-\x1f]+\\)[^\x00-\x1f]{0,1000}$/.test(pathFilter)
  ) {
    return bad('PathFilter must be a drive or UNC path.');
  }
  const after = afterText === '' ? null : BigInt(afterText);
  const files = windows
    .getSmbOpenFile()
    .filter((f) => pathFilter === '' || sameText(f.Path, pathFilter))
    .filter((f) => after === null || f.FileId > after)
    .sort((a, b) => (a.FileId < b.FileId ? -1 : a.FileId > b.FileId ? 1 : 0));
  const rows: string[] = [];
  let cost = 2;
  for (const file of files) {
    const row = convertToJsonCompress(fileRow(file));
    const rowCost = envelopeCost(row) + 1;
    if (rows.length > 0 && cost + rowCost > ENVELOPE_STDOUT_LIMIT) break;
    rows.push(row);
    cost += rowCost;
  }
  const page = result(EXIT.ok, `[${rows.join(',')}]`, '');
  const remaining = files.length - rows.length;
  const last = files[rows.length - 1];
  if (remaining > 0 && last) page.next = { afterFileId: last.FileId.toString(), remaining };
  return page;
}

function closeOpenFile(windows: WindowsHost, p: HostParameters): Outcome {
  const fileIdText = p.FileId ?? '';
  const expectedPath = p.ExpectedPath ?? '';
  if (!/^[0-9]{1,20}$/.test(fileIdText) || BigInt(fileIdText) > 0xffff_ffff_ffff_ffffn) {
    return bad('CloseOpenFile needs FileId (an unsigned 64-bit number).');
  }
  if (!isExpectedPathText(expectedPath)) {
    return bad(
      'CloseOpenFile needs ExpectedPath (a drive or UNC path, without control characters).'
    );
  }
  const fileId = BigInt(fileIdText);
  const file = windows.getSmbOpenFile().find((f) => f.FileId === fileId);
  if (!file) return refuse('file-not-found', `No open file has ID ${fileIdText}.`);
  if (!sameText(file.Path, expectedPath)) {
    return refuse(
      'path-mismatch',
      `Open file ${fileIdText} is ${file.Path}, not the expected path.`
    );
  }
  const closed = jsonArray([fileRow(file)]);
  windows.closeSmbOpenFile(fileId);
  return result(EXIT.ok, closed, '');
}

/** `ConvertTo-Json -InputObject @(...) -Compress`: always an array, `[]` when empty. */
function jsonArray(rows: readonly PsObject[]): string {
  return convertToJsonCompress(rows);
}

/** The document's `Select-SmbSession`: ids as strings, because uint64 exceeds 2^53. */
function smbRow(s: SmbSessionObject): PsObject {
  return new Map<string, PsJson>([
    ['SessionId', s.SessionId.toString()],
    ['ClientComputerName', s.ClientComputerName],
    ['ClientUserName', s.ClientUserName],
    ['NumOpens', s.NumOpens],
    ['SecondsIdle', s.SecondsIdle],
    ['SecondsExists', s.SecondsExists],
    ['Dialect', s.Dialect],
  ]);
}

/** The document's `Select-SmbOpenFile`. */
function fileRow(f: SmbOpenFileObject): PsObject {
  return new Map<string, PsJson>([
    ['FileId', f.FileId.toString()],
    ['SessionId', f.SessionId.toString()],
    ['Path', f.Path],
    ['ShareRelativePath', f.ShareRelativePath],
    ['ClientComputerName', f.ClientComputerName],
    ['ClientUserName', f.ClientUserName],
    ['Locks', f.Locks],
    ['Permissions', f.Permissions],
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

/**
 * The script's ExpectedPath re-check (`\A(?:[A-Za-z]:\\|\\\\[^\\\x00-\x1F\x7F]{1,253}\\)[^\x00-\x1F\x7F]{0,1000}\z`).
 * The path is only compared as a string, so ' $ % are plain characters: it keeps out only what no
 * drive or UNC path of an open file holds.
 */
function isExpectedPathText(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  const root = /^[A-Za-z]:\\/.exec(path) ?? /^\\\\[^\\]{1,253}\\/.exec(path);
  return root !== null && path.length - root[0].length <= 1000;
}

/**
 * `[StringComparison]::OrdinalIgnoreCase`: character by character through the simple upper-case
 * mapping. Not `toLowerCase()`, which folds the Kelvin sign (U+212A) into `k`, where .NET does not.
 */
export function sameText(left: string, right: string): boolean {
  const a = [...left];
  const b = [...right];
  return a.length === b.length && a.every((char, i) => upper(char) === upper(b[i] ?? ''));
}

function upper(char: string): string {
  const mapped = char.toUpperCase();
  return [...mapped].length === 1 ? mapped : char;
}

/** `user` or `DOMAIN\user`, case-insensitive; the domain is compared only when given. */
function accountMatches(domain: string, user: string, expected: string): boolean {
  const [wantDomain, wantUser] = splitDomain(expected);
  return sameText(user, wantUser) && (!expected.includes('\\') || sameText(domain, wantDomain));
}

function splitDomain(account: string): [string, string] {
  const slash = account.indexOf('\\');
  return slash < 0 ? ['', account] : [account.slice(0, slash), account.slice(slash + 1)];
}

/** Get-SmbSession shows IPv6 clients in brackets; callers may send them bare. */
function sameClient(actual: string, expected: string): boolean {
  const bare = (name: string) => name.replace(/^[[\]]+|[[\]]+$/g, '');
  return sameText(bare(actual), bare(expected));
}

/** The document's `$ShellFields`, in its order. */
const SHELL_FIELDS = [
  'ShellId',
  'ResourceUri',
  'Owner',
  'ClientIP',
  'ProcessId',
  'State',
  'ShellRunTime',
  'ShellInactivity',
  'IdleTimeOut',
  'MaxIdleTimeOut',
  'BufferMode',
  'ChildProcesses',
  'MemoryUsed',
] as const;

/** `Get-Shell`: `Select-Object -Property $ShellFields`, a field the shell lacks being null. */
function shellRows(windows: WindowsHost): PsObject[] {
  return windows
    .wsmanShells()
    .map(
      (shell) => new Map<string, PsJson>(SHELL_FIELDS.map((name) => [name, shell[name] ?? null]))
    );
}

function field(row: PsObject, name: (typeof SHELL_FIELDS)[number]): string {
  const value = row.get(name);
  return typeof value === 'string' ? value : '';
}

function findShell(windows: WindowsHost, id: string): PsObject | undefined {
  return shellRows(windows).find((row) => sameText(field(row, 'ShellId'), id));
}

/** The script's `$ShellHostProcesses`: compared as `-contains` does, ignoring case. */
const SHELL_HOST_PROCESSES = ['wsmprovhost.exe', 'winrshost.exe'];

/**
 * `Get-ProcessAncestry`: the script's process and its parents, at most 64, never looping, and
 * whether one of them is a WinRM shell's host process.
 */
function processAncestry(windows: WindowsHost): { ids: string[]; inShell: boolean } {
  const parents = new Map<string, string>();
  const names = new Map<string, string>();
  for (const process of windows.processes(SSM_PROCESS_CHAIN[0])) {
    parents.set(String(process.ProcessId), String(process.ParentProcessId));
    names.set(String(process.ProcessId), process.Name);
  }
  const ids: string[] = [];
  let inShell = false;
  let id = String(SSM_PROCESS_CHAIN[0]);
  while (id.length > 0 && id !== '0' && ids.length < 64 && !ids.includes(id)) {
    ids.push(id);
    const name = names.get(id) ?? '';
    if (SHELL_HOST_PROCESSES.some((host) => sameText(host, name))) inShell = true;
    const parent = parents.get(id);
    if (parent === undefined) break;
    id = parent;
  }
  return { ids, inShell };
}

function endShell(windows: WindowsHost, p: HostParameters): Outcome {
  const requested = p.ShellId ?? '';
  const expectedOwner = p.ExpectedOwner ?? '';
  if (
    !/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(requested)
  ) {
    return bad('EndShell needs ShellId (a GUID).');
  }
  if (!/^(?:[^\\\r\n]{1,64}\\)?[^\\\r\n]{1,64}$/.test(expectedOwner)) {
    return bad('EndShell needs ExpectedOwner (user or DOMAIN\\user).');
  }
  const expectedState = p.ExpectedShellState ?? '';
  const minInactive = p.MinInactiveMinutes ?? '';
  if (!/^(?:Connected|Disconnected)?$/.test(expectedState)) {
    return bad('ExpectedShellState must be Connected or Disconnected.');
  }
  if (!/^(?:0|[1-9][0-9]{0,5})?$/.test(minInactive)) {
    return bad('MinInactiveMinutes must be whole minutes (0-999999).');
  }
  const shell = findShell(windows, requested);
  if (shell === undefined) return refuse('shell-not-found', `No shell has ID ${requested}.`);
  const owner = field(shell, 'Owner');
  const [domain, user] = splitDomain(owner);
  if (owner === '' || !accountMatches(domain, user, expectedOwner)) {
    return refuse(
      'owner-mismatch',
      `Shell ${requested} belongs to ${owner || 'nobody'}, not to the expected owner.`
    );
  }
  const ancestry = processAncestry(windows);
  const processId = field(shell, 'ProcessId');
  if (/^[0-9]{1,10}$/.test(processId)) {
    if (ancestry.ids.includes(processId)) {
      return refuse(
        'own-shell',
        `Shell ${requested} runs this command (process ${processId}), which never ends its own shell.`
      );
    }
  } else if (ancestry.inShell) {
    return refuse(
      'own-shell',
      `Shell ${requested} reports no process ID, and this command runs inside a WinRM shell that it may be.`
    );
  }
  const stale = shellFactsGuard(shell, requested, expectedState, minInactive);
  if (stale) return stale;
  if (!windows.removeWsmanShell(field(shell, 'ShellId'))) {
    // Remove-WSManInstance's fault 2150858843: the shell is no longer there.
    return refuse('shell-not-found', `Shell ${requested} ended before it could be ended here.`);
  }
  const graceful =
    sameText(field(shell, 'State'), 'Disconnected') || field(shell, 'ChildProcesses') === '0';
  // The simulated WinRM ends it at once: the script's first look is the one that counts.
  const still = findShell(windows, field(shell, 'ShellId'));
  const readBack = { state: still ? field(still, 'State') || 'listed' : 'gone', confirmed: !still };
  const stdout = jsonArray([shell]);
  if (!readBack.confirmed) {
    return {
      ...result(
        EXIT.notConfirmed,
        stdout,
        `Remove-WSManInstance returned, but shell ${requested} is still listed (${readBack.state}).`
      ),
      readBack,
    };
  }
  return {
    ...result(EXIT.ok, stdout, ''),
    readBack,
    shellEnd: {
      outcome: graceful ? 'ended' : 'ended-ungraceful',
      state: shell.get('State') ?? null,
      childProcesses: shell.get('ChildProcesses') ?? null,
      shellInactivity: shell.get('ShellInactivity') ?? null,
    },
  };
}

/** `Get-ShellInactiveMinutes`: whole minutes of an `xs:duration`, -1 for one it does not read. */
function shellInactiveMinutes(duration: string): number {
  if (duration === 'P' || duration.endsWith('T')) return -1;
  const match =
    /^P(?:([0-9]{1,9})D)?(?:T(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,12})(?:\.[0-9]{1,9})?S)?)?$/.exec(
      duration
    );
  if (match === null) return -1;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Math.floor((Number(d) * 86_400 + Number(h) * 3_600 + Number(m) * 60 + Number(s)) / 60);
}

/** `Test-ShellFacts`: the state and inactivity the plan saw must still hold. */
function shellFactsGuard(
  shell: PsObject,
  requested: string,
  expectedState: string,
  minInactive: string
): Outcome | null {
  const state = field(shell, 'State');
  if (expectedState !== '' && !sameText(state, expectedState)) {
    return refuse(
      'state-mismatch',
      `Shell ${requested} is ${state || 'in an unknown state'}, not ${expectedState}.`
    );
  }
  if (minInactive !== '') {
    const inactive = shellInactiveMinutes(field(shell, 'ShellInactivity'));
    if (inactive < Number(minInactive)) {
      const seen = inactive >= 0 ? `${inactive} min` : 'an unknown time';
      return refuse(
        'not-idle',
        `Shell ${requested} has been inactive ${seen}, less than ${minInactive} min.`
      );
    }
  }
  return null;
}
