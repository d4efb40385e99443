import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** What one `aws …` command ended with; `json` is its parsed output (`{}` when it printed none). */
export interface AwsCliResult {
  code: number;
  json: Record<string, unknown>;
  stderr: string;
}

/** The AWS CLI (v1 or v2: `pip install awscli` or `apt-get install -y awscli`), run as operators run it. */
export interface AwsCli {
  run(service: string, args: readonly string[], endpoint: string): Promise<AwsCliResult>;
  stop(): void;
}

const DRIVER = fileURLToPath(new URL('./aws-cli-driver.py', import.meta.url));
const MISSING = 'the aws CLI is missing: pip install awscli, or apt-get install -y awscli';

/** A clean profile: local credentials, no config files, one attempt, no pager. */
const ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_MAX_ATTEMPTS: '1',
  AWS_PAGER: '',
};

interface Raw {
  code: number;
  stdout: string;
  stderr: string;
}

function result(raw: Raw): AwsCliResult {
  const json = raw.code === 0 && raw.stdout.trim() ? JSON.parse(raw.stdout) : {};
  return { code: raw.code, json, stderr: raw.stderr };
}

/** The Python that runs `aws`: its shebang's, or `python3` where `aws` is a shim (pyenv). */
function interpreter(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      const first = readFileSync(join(dir, 'aws'), 'utf8').split('\n', 1)[0] ?? '';
      return /^#!\s*(\S*python[\d.]*)\s*$/.exec(first)?.[1] ?? 'python3';
    } catch {}
  }
  throw new Error(MISSING);
}

/**
 * Every command goes through the CLI's own driver (argument parsing, botocore model, error
 * handling, output), all in one Python process: a Python start per command cost ~1 CPU-s, most of
 * a suite's time. Where the CLI cannot be imported (a frozen v2 binary), each command starts `aws`.
 */
export function startAwsCli(): AwsCli {
  const env = { ...ENV, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const driver: ChildProcess = spawn(interpreter(), [DRIVER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: { resolve(raw: Raw): void; reject(error: Error): void }[] = [];
  driver.once('exit', (code) => {
    const error = new Error(`the AWS CLI driver exited (${code}) with commands unanswered`);
    for (const answer of waiting.splice(0)) answer.reject(error);
  });
  driver.on('error', () => undefined);
  // Ready once the driver's first line says the CLI imported; false when it exited first (or
  // could not start), and its commands then go to `aws` itself.
  let imported: (ok: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => {
    imported = resolve;
    driver.once('exit', () => resolve(false));
    driver.once('error', () => resolve(false));
  });
  if (driver.stdout) {
    let first = true;
    createInterface({ input: driver.stdout }).on('line', (line) => {
      if (first) {
        first = false;
        imported(true);
        return;
      }
      waiting.shift()?.resolve(JSON.parse(line) as Raw);
    });
  }

  async function spawned(argv: string[]): Promise<Raw> {
    try {
      const { stdout, stderr } = await promisify(execFile)('aws', argv, { encoding: 'utf8', env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number | string; stdout?: string; stderr?: string };
      if (failed.code === 'ENOENT') throw new Error(MISSING);
      return {
        code: Number(failed.code),
        stdout: failed.stdout ?? '',
        stderr: failed.stderr ?? '',
      };
    }
  }

  return {
    async run(service, args, endpoint) {
      const argv = [service, ...args, '--endpoint-url', endpoint, '--region', 'us-east-1'];
      argv.push('--output', 'json');
      if (!(await ready)) return result(await spawned(argv));
      const answer = new Promise<Raw>((resolve, reject) => waiting.push({ resolve, reject }));
      driver.stdin?.write(`${JSON.stringify({ argv, env })}\n`);
      return result(await answer);
    },
    stop() {
      driver.stdin?.end();
    },
  };
}
