import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/args.js';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', RUN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });

describe('npm run bench arguments', () => {
  it('takes flags anywhere and everything else as name filters', () => {
    expect(parseBenchArgs(['--json', '--quick', 'parsers', 'ledger'])).toEqual({
      json: true,
      quick: true,
      names: ['parsers', 'ledger'],
    });
    expect(parseBenchArgs(['sweep', '--json'])).toEqual({
      json: true,
      quick: false,
      names: ['sweep'],
    });
    expect(parseBenchArgs([])).toEqual({ json: false, quick: false, names: [] });
    expect(() => parseBenchArgs(['--quik'])).toThrow('unknown option --quik');
  });

  it('--json --quick <name> prints one JSON object with only that benchmark, nothing else', async () => {
    const { stdout } = await run(['--json', '--quick', 'parsers']);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report.results)).toEqual(['parsers']);
    expect(report.quick).toBe(true);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.results.parsers.quser.outputsPerSecond).toBeGreaterThan(0);
  });

  it('an unknown flag or a name that matches nothing is a usage error (exit 2)', async () => {
    await expect(run(['--jsno'])).rejects.toMatchObject({ code: 2 });
    await expect(run(['--json', 'no-such-bench'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no benchmark matches no-such-bench'),
    });
  });
});
