import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/** `npm start` as users run it: the process they started, its signals, its data dir, its ports. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'local/main.ts');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function waitForBanner(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C stops.')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before its banner: ${out}`)));
  });
}

const runMain = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr })
  );

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('keeps its data dir and fixed ports to itself, and stops on SIGTERM to npm', async () => {
    dir = await mkdtemp(join(tmpdir(), 'janitor-start-'));
    const [dynamodbPort, ssmPort] = [await freePort(), await freePort()];
    const npm = spawn(
      'npm',
      [
        'start',
        '--',
        '--data-dir',
        join(dir, 'data'),
        '--port',
        '0',
        '--fleet',
        '2',
        '--sweep-every',
        '1h',
        '--dynamodb-port',
        String(dynamodbPort),
        '--ssm-port',
        String(ssmPort),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    const banner = await waitForBanner(npm);
    expect(banner).toContain(`DynamoDB   http://127.0.0.1:${dynamodbPort}`);
    expect(banner).toContain(`SSM        http://127.0.0.1:${ssmPort}`);

    const second = await runMain(['--data-dir', join(dir, 'data'), '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^session-janitor: the data directory .* is in use by another session-janitor \(pid \d+\)/
      ),
    ]);
    const busyPort = await runMain(['--in-memory', '--port', '0', '--ssm-port', String(ssmPort)]);
    expect(busyPort.code).toBe(1);
    expect(busyPort.stderr.trim()).toBe(
      `session-janitor: port ${ssmPort} is in use: stop what uses it or pass --ssm-port`
    );

    npm.kill('SIGTERM');
    await exited;
    // Nothing holds the ports any more, and the data dir is free again.
    await expect(fetch(`http://127.0.0.1:${ssmPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${dynamodbPort}/`)).rejects.toThrow();
    const again = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--data-dir', join(dir, 'data'), '--port', '0', '--fleet', '1'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    await waitForBanner(again);
    const stopped = new Promise((resolve) => again.once('exit', resolve));
    again.kill('SIGINT');
    await stopped;
  }, 90_000);
});
