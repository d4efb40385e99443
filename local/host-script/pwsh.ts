import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostParameters } from '../../lib/ssm/host-contract.js';
import type { HostScript, HostScriptRun, WindowsHost } from '../fleet/types.js';
import { loadOperateDocument } from '../ssm/document.js';
import { type HostBridge, startHostBridge } from './bridge.js';

/**
 * The document's real script under PowerShell 7 (`--host-script pwsh`): one fresh pwsh process
 * per invocation, as SSM starts one per command, with the SSM_* variables SSM would set and a
 * Windows made of fakes that answer from the simulated host (`host.ps1`, `windows-tool.cjs`,
 * `bridge.ts`). At most `maxParallel` processes run at once; the others wait their turn.
 */

export const DEFAULT_PWSH = fileURLToPath(new URL('../../.tools/pwsh/pwsh', import.meta.url));
const HOST_PS1 = fileURLToPath(new URL('./host.ps1', import.meta.url));
const WINDOWS_TOOL = fileURLToPath(new URL('./windows-tool.cjs', import.meta.url));
const TOOLS = ['quser.exe', 'tsdiscon.exe', 'logoff.exe', 'msg.exe'] as const;
/** SSM keeps 24,000 characters of each stream; anything past a generous bound is noise. */
const MAX_STREAM_CHARS = 1_000_000;

export class PwshMissingError extends Error {
  constructor(pwsh: string) {
    super(`--host-script pwsh needs PowerShell at ${pwsh}: run \`npm run setup:pwsh\``);
    this.name = 'PwshMissingError';
  }
}

export interface PwshHostScriptOptions {
  /** @default `.tools/pwsh/pwsh`, where `npm run setup:pwsh` installs it */
  pwsh?: string;
  /** pwsh processes at once. @default the machine's cores, at least 2 */
  maxParallel?: number;
  /** A run still going after this is killed and fails. @default the document's timeoutSeconds */
  timeoutMs?: number;
}

export interface PwshHostScript {
  run: HostScript;
  /** Kills what still runs and removes the fakes' files. */
  close(): Promise<void>;
}

/** `true` when pwsh is where `setup:pwsh` puts it (or at `pwsh`) and may be run. */
export async function pwshAvailable(pwsh = DEFAULT_PWSH): Promise<boolean> {
  return access(pwsh, constants.X_OK).then(
    () => true,
    () => false
  );
}

export async function startPwshHostScript(
  options: PwshHostScriptOptions = {}
): Promise<PwshHostScript> {
  const pwsh = options.pwsh ?? DEFAULT_PWSH;
  if (!(await pwshAvailable(pwsh))) throw new PwshMissingError(pwsh);
  const document = loadOperateDocument();
  const timeoutMs = options.timeoutMs ?? document.executionTimeoutSeconds * 1000;
  const maxParallel = options.maxParallel ?? Math.max(2, availableParallelism());

  const root = await mkdtemp(join(tmpdir(), 'janitor-pwsh-'));
  const system32 = join(root, 'System32');
  await mkdir(system32);
  for (const tool of TOOLS) {
    const file = join(system32, tool);
    await writeFile(file, `#!${process.execPath}\nrequire(${JSON.stringify(WINDOWS_TOOL)});\n`);
    await chmod(file, 0o755);
  }
  const scriptFile = join(root, '_script.ps1');
  await writeFile(scriptFile, document.definition.mainSteps[0].inputs.runCommand.join('\n'));
  const zones = new TimeZoneFiles(join(root, 'zones'));
  const bridge = await startHostBridge();

  const running = new Set<ReturnType<typeof spawn>>();
  const gate = new Gate(maxParallel);
  let closed = false;

  const run: HostScript = async (windows, parameters) => {
    await gate.enter();
    try {
      if (closed) throw new Error('the pwsh host script is closed');
      const culture = windows.culture();
      return await runOnce(pwsh, bridge, windows, {
        env: {
          ...baseEnvironment(),
          ...ssmEnvironment(parameters),
          SystemRoot: root,
          TZ: await zones.file(windows.utcOffsetMinutes()),
          SESSION_JANITOR_BRIDGE: bridge.url,
          SESSION_JANITOR_CULTURE: culture.name,
          SESSION_JANITOR_SHORT_DATE: culture.shortDatePattern,
          SESSION_JANITOR_SHORT_TIME: culture.shortTimePattern,
          SESSION_JANITOR_LANGUAGE_MODE: windows.languageMode(),
        },
        args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', HOST_PS1, scriptFile],
        timeoutMs,
        running,
      });
    } finally {
      gate.leave();
    }
  };

  return {
    run,
    async close() {
      closed = true;
      for (const child of running) child.kill('SIGKILL');
      await bridge.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

interface RunSpec {
  env: Record<string, string>;
  args: string[];
  timeoutMs: number;
  running: Set<ReturnType<typeof spawn>>;
}

function runOnce(
  pwsh: string,
  bridge: HostBridge,
  windows: WindowsHost,
  spec: RunSpec
): Promise<HostScriptRun> {
  const access = bridge.open(windows);
  const started = performance.now();
  return new Promise<HostScriptRun>((resolve, reject) => {
    const child = spawn(pwsh, spec.args, {
      env: { ...spec.env, SESSION_JANITOR_INVOCATION: access.invocation },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spec.running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_STREAM_CHARS) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < MAX_STREAM_CHARS) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      spec.running.delete(child);
      access.close();
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('close', (code, signal) => {
      done();
      if (code === null) {
        reject(new Error(`pwsh was stopped (${signal ?? 'no exit code'}) after ${elapsed()} ms`));
        return;
      }
      resolve({ exitCode: code, stdout, stderr, elapsedMs: elapsed() });
    });
    const elapsed = () => Math.round(performance.now() - started);
  });
}

/** Enough of this machine's environment for pwsh to start; nothing of the caller's SSM_*. */
function baseEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'DOTNET_ROOT', 'LANG'];
  const env: Record<string, string> = {
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    DOTNET_NOLOGO: '1',
    // Each run is a fresh process that exits in about a second: profile-guided JIT only costs
    // there (15% of pwsh's start-up CPU, measured), it never pays back.
    DOTNET_TieredPGO: '0',
  };
  for (const name of keep) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** As the agent sets them with `interpolationType: ENV_VAR`; Windows holds no empty variable. */
function ssmEnvironment(parameters: HostParameters): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value === 'string' && value !== '') env[`SSM_${name}`] = value;
  }
  return env;
}

/**
 * A host's fixed UTC offset as a TZif file (no transitions, one local time type): .NET reads
 * `TZ=<path>` for `[TimeZoneInfo]::Local`, for any offset and without the system's tzdata.
 */
class TimeZoneFiles {
  private readonly made = new Map<number, Promise<string>>();
  constructor(private readonly dir: string) {}

  file(offsetMinutes: number): Promise<string> {
    let file = this.made.get(offsetMinutes);
    if (!file) {
      file = this.write(offsetMinutes);
      this.made.set(offsetMinutes, file);
    }
    return file;
  }

  private async write(offsetMinutes: number): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const abs = Math.abs(offsetMinutes);
    const designation = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    const chars = Buffer.from(`${designation}\0`, 'ascii');
    const header = Buffer.alloc(44);
    header.write('TZif', 0, 'ascii');
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    [0, 0, 0, 0, 1, chars.length].forEach((count, i) => {
      header.writeUInt32BE(count, 20 + 4 * i);
    });
    const type = Buffer.alloc(6);
    type.writeInt32BE(offsetMinutes * 60, 0);
    const path = join(this.dir, `utc${designation}`);
    await writeFile(path, Buffer.concat([header, type, chars]));
    return path;
  }
}

/** A counting semaphore, first come first served. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
