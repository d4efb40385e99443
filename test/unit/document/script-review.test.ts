import { describe, expect, it } from 'vitest';
import { loadOperateDocument } from '../../../local/ssm/document.js';

/*
 * Static checks of how the script uses Windows PowerShell 5.1, the SmbShare cmdlets and the WTS API:
 * nothing here runs on Windows, so every rule a reviewer established is pinned down as text.
 */

const document = loadOperateDocument();
const [step] = document.definition.mainSteps;
const lines: readonly string[] = step.inputs.runCommand;
const script = lines.join('\n');
const parameters = document.definition.parameters as Record<string, { allowedPattern?: string }>;

/** The body of a PowerShell function of the script, up to the next top-level closing brace. */
function functionBody(name: string): string {
  const start = lines.findIndex((line) => line.startsWith(`function ${name}`));
  if (start < 0) throw new Error(`no function ${name}`);
  const end = lines.findIndex((line, index) => index > start && line === '}');
  return lines.slice(start, end + 1).join('\n');
}

/** A .NET regex of the script (single-quoted, `\A…\z`) as a JavaScript RegExp. */
function scriptPattern(source: string, flags = ''): RegExp {
  return new RegExp(`^${source.replace(/^\\A/, '').replace(/\\z$/, '')}$`, flags);
}

describe('SmbShare cmdlet calls', () => {
  it('address open files by -FileId and sessions by -SessionId, the parameters the cmdlets have', () => {
    const calls = lines.filter((line) => /\b(Get|Close)-Smb(OpenFile|Session)\b/.test(line));
    expect(calls.length).toBeGreaterThan(0);
    for (const line of calls) {
      expect(line).not.toMatch(/ -Id\b/);
      if (/(Get|Close)-SmbOpenFile -/.test(line)) expect(line).toMatch(/-SmbOpenFile -FileId /);
      if (/Close-SmbSession -/.test(line)) expect(line).toMatch(/Close-SmbSession -SessionId /);
    }
  });

  it('select only properties that MSFT_SmbSession and MSFT_SmbOpenFile define', () => {
    const session = new Set([
      'SessionId',
      'ClientComputerName',
      'ClientUserName',
      'NumOpens',
      'SecondsIdle',
      'SecondsExists',
      'Dialect',
    ]);
    const file = new Set([
      'FileId',
      'SessionId',
      'Path',
      'ShareRelativePath',
      'ClientComputerName',
      'ClientUserName',
      'Locks',
      'Permissions',
    ]);
    const named = (body: string) =>
      [...body.matchAll(/'([A-Za-z]+)'|\$_\.([A-Za-z]+)/g)]
        .map((match) => match[1] ?? match[2])
        .filter((name) => name !== 'Name' && name !== 'Expression');
    for (const name of named(functionBody('Select-SmbSession'))) expect(session).toContain(name);
    for (const name of named(functionBody('Select-SmbOpenFile'))) expect(file).toContain(name);
  });

  it('treat only ObjectNotFound as "already gone" and rethrow any other SmbShare error', () => {
    expect(functionBody('Assert-OnlyNotFound')).toContain(
      'if ($record.CategoryInfo.Category -ne [Management.Automation.ErrorCategory]::ObjectNotFound) { throw $record.Exception }'
    );
    const silenced = lines.filter((line) => /-Smb\w+ .*-ErrorAction SilentlyContinue/.test(line));
    expect(silenced).toHaveLength(3);
    for (const line of silenced) {
      const variable = / -ErrorVariable (\w+)\)?$/.exec(line)?.[1];
      expect(variable, line).toBeDefined();
      const at = lines.indexOf(line);
      expect(lines[at - 1]).toBe(`  $${variable} = $null`);
      expect(lines[at + 1]).toBe(`  Assert-OnlyNotFound $${variable}`);
    }
    expect(script).not.toMatch(/-ErrorAction (SilentlyContinue|Ignore)(?! -ErrorVariable)/);
  });
});

describe('the WTS P/Invoke declarations', () => {
  const source = functionBody('Initialize-Wts');

  it('declare WTSQuerySessionInformationW, WTSFreeMemory and WTSGetActiveConsoleSessionId with their real DLLs and shapes', () => {
    expect(source).toContain(
      '[DllImport("wtsapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]\n  private static extern bool WTSQuerySessionInformationW(IntPtr server, int sessionId, int infoClass, out IntPtr buffer, out int bytes);'
    );
    expect(source).toContain(
      '[DllImport("wtsapi32.dll")]\n  private static extern void WTSFreeMemory(IntPtr memory);'
    );
    expect(source).toContain(
      '[DllImport("kernel32.dll")]\n  public static extern uint WTSGetActiveConsoleSessionId();'
    );
  });

  it('use the WTS_INFO_CLASS values of wtsapi32.h and the local server handle', () => {
    const constants = Object.fromEntries(
      [...source.matchAll(/public const int (\w+) = (\d+);/g)].map((m) => [m[1], Number(m[2])])
    );
    expect(constants).toEqual({
      UserName: 5,
      WinStationName: 6,
      DomainName: 7,
      ConnectState: 8,
      SessionInfo: 24,
    });
    const queries = [...source.matchAll(/WTSQuerySessionInformationW\(([^,]+),/g)].map((m) => m[1]);
    expect(queries.slice(1)).toEqual(['IntPtr.Zero', 'IntPtr.Zero', 'IntPtr.Zero']);
    expect(source.match(/WTSFreeMemory\(buffer\)/g)).toHaveLength(3);
  });

  it('marshal WTSINFOW with the field widths of wtsapi32.h (WINSTATIONNAME 32, DOMAIN 17, USERNAME 20 + 1)', () => {
    expect(source).toContain('[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]');
    const strings = [...source.matchAll(/SizeConst = (\d+)\)\] public string (\w+);/g)].map((m) => [
      m[2],
      Number(m[1]),
    ]);
    expect(strings).toEqual([
      ['WinStationName', 32],
      ['Domain', 17],
      ['UserName', 21],
    ]);
    const longs = [...source.matchAll(/public long (\w+);/g)].map((m) => m[1]);
    expect(longs).toEqual(['DisconnectTime', 'LastInputTime', 'LogonTime', 'CurrentTime']);
    expect(source).toContain(
      'return new long[] { info.State, info.DisconnectTime, info.LastInputTime, info.LogonTime, info.CurrentTime };'
    );
  });
});

describe('native tools', () => {
  it('run by full System32 path with arguments as separate array elements, never as built text', () => {
    const calls = lines.filter((line) => line.includes('Invoke-Native ('));
    expect(calls).toEqual([
      '  $run = Invoke-Native (Join-Path $System32 $tool) $arguments',
      "  $run = Invoke-Native (Join-Path $System32 'quser.exe') @()",
    ]);
    expect(script).toContain(
      "$tool = @{ DisconnectSession = 'tsdiscon.exe'; LogoffSession = 'logoff.exe'; NotifySession = 'msg.exe' }[$Operation]"
    );
    expect(script).not.toMatch(/\$arguments \+= \([^)]*\$message/);
    expect(script).toContain('  $arguments += $message');
  });

  it('are captured with stderr merged under a local Continue, so 5.1 ErrorRecords do not stop the script', () => {
    const body = functionBody('Invoke-Native');
    expect(body.indexOf("$ErrorActionPreference = 'Continue'")).toBeLessThan(
      body.indexOf('& $FilePath @ArgumentList 2>&1')
    );
    expect(body).toContain('$_ -is [System.Management.Automation.ErrorRecord]');
    expect(body).toContain('ExitCode = [int]$LASTEXITCODE');
  });
});

describe('defence-in-depth checks of parameters', () => {
  const messageCheck = /Test-Pattern \$message '([^']+)'/.exec(script)?.[1];

  it('refuse Message text that 5.1 argument quoting would split: quotes, backslashes, control characters', () => {
    expect(messageCheck).toBeDefined();
    const accepts = scriptPattern(messageCheck ?? '', 'u');
    for (const bad of [
      '',
      ' x',
      'a"b',
      'ends with \\',
      'a\\"b',
      'two\nlines',
      'tab\there',
      'x'.repeat(256),
    ]) {
      expect(accepts.test(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('accept every Message the document allowedPattern admits', () => {
    const allowed = new RegExp(parameters.Message?.allowedPattern ?? '', 'u');
    const accepts = scriptPattern(messageCheck ?? '', 'u');
    const samples = [
      'You will be logged off in 5 minutes. Save your work!',
      'Sitzung endet in 5 Minuten: bitte speichern (Ticket #42)',
      'セッションは5分後に終了します',
      `A${'b'.repeat(254)}`,
      '9 = 3+6, 50% ~ _half_ / @all?',
    ].filter((sample) => allowed.test(sample));
    expect(samples.length).toBeGreaterThanOrEqual(4);
    for (const sample of samples) expect(accepts.test(sample), sample).toBe(true);
  });

  it('bound WarnSeconds to the document range of 1-86400', () => {
    expect(script).toContain('-or ([int]$warnSeconds -gt 86400)) {');
    const allowed = new RegExp(parameters.WarnSeconds?.allowedPattern ?? '');
    expect(allowed.test('86400')).toBe(true);
    expect(allowed.test('86401')).toBe(false);
  });
});

describe('culture-independent text handling', () => {
  it('finds the DOMAIN\\user separator ordinally, not with culture-sensitive String.IndexOf(string)', () => {
    expect(script).not.toMatch(/\.IndexOf\('/);
    expect(script.match(/\.IndexOf\(\[char\]'\\'\)/g)).toHaveLength(2);
  });

  it('compares names ordinally ignoring case and parses numbers with the invariant culture', () => {
    expect(script).toContain('[StringComparison]::OrdinalIgnoreCase');
    expect(script).not.toMatch(/\.(ToLower|ToUpper)\(\)|CurrentCulture\b/);
    for (const parse of script.match(/\[(int|uint64)\]::(Try)?Parse\([^)]*\)/g) ?? []) {
      expect(parse).toContain('[Globalization.CultureInfo]::InvariantCulture');
    }
  });
});
