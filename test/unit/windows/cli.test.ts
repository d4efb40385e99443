import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the real `janitor` launcher (bin/janitor.js) as a child process, stdin to stdout.

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repo, 'bin/janitor.js');

function janitor(
  args: string[],
  input = ''
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const GERMAN = [
  ' BENUTZERNAME          SITZUNGSNAME       ID  STATUS  LEERLAUF   ANMELDEZEIT',
  '>kiosk                 console             1  Aktiv       Kein   03.05.2025 07:00',
  '',
].join('\r\n');

describe('janitor parse', () => {
  it('prints the parsed sessions as one JSON object, using the date pattern given', async () => {
    const run = await janitor(
      [
        'parse',
        'quser',
        '--culture',
        'de-DE',
        '--date-pattern',
        'dd.MM.yyyy',
        '--time-pattern',
        'HH:mm',
      ],
      GERMAN
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      kind: 'quser',
      sessions: [
        {
          userName: 'kiosk',
          sessionName: 'console',
          id: 1,
          state: 'active',
          idleMinutes: 0,
          logonTime: '2025-05-03T07:00',
          logonTimeRaw: '03.05.2025 07:00',
          current: true,
        },
      ],
      error: null,
      warnings: [],
    });
  });

  it('prints a Windows error report as data and files under "files"', async () => {
    const run = await janitor(
      ['parse', 'net-file'],
      'System error 5 has occurred.\r\n\r\nAccess is denied.\r\n'
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      kind: 'net-file',
      files: [],
      error: { code: 5, message: 'Access is denied.' },
      warnings: [],
    });
  });

  it('exits 2 with one line naming what it expected when the input is another command', async () => {
    const run = await janitor(['parse', 'qwinsta'], GERMAN);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^janitor parse: input is not qwinsta output \(expected query session/
    );
    expect(run.stderr).toMatch(/looks like quser output/);
  });

  it('rejects an unknown kind or a malformed pattern before reading input', async () => {
    const kind = await janitor(['parse', 'dir']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/expected one of quser, qwinsta/);
    const pattern = await janitor(['parse', 'quser', '--date-pattern', 'HH:mm'], GERMAN);
    expect(pattern.code).toBe(2);
    expect(pattern.stdout).toBe('');
  });

  it('lists its commands and the parse options', async () => {
    const top = await janitor(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: janitor <command>/);
    expect(top.stdout).toMatch(/\n {2}parse +parse quser/);
    const parse = await janitor(['parse', '--help']);
    expect(parse.code).toBe(0);
    expect(parse.stdout).toMatch(/--date-pattern/);
  });
});
