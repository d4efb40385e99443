import { orNotRecognised } from './result.js';
import type { NotRecognised, ParseResult } from './types.js';

/**
 * The WinRM shell list as `ListShells` prints it: `Get-WSManInstance -ResourceURI shell
 * -Enumerate`, each shell's fields selected by name and serialised as a JSON array, every value
 * the string Windows gave or `null` where the shell carries none (MS-WSMV makes all but ShellId
 * optional, and WinRM 2.0 shows no State, ProcessId or BufferMode). Durations are ISO 8601
 * (`P0DT0H1M46S`, `PT7200.000S`), memory `48MB`. A value that does not read is `null` with a
 * warning: an unknown inactivity is never guessed, and the policy never acts on it.
 */

export const SHELLS_EXPECTED =
  'ListShells output: a JSON array of shells, each with a ShellId GUID (Get-WSManInstance -ResourceURI shell -Enumerate)';

export const SHELL_STATES = ['connected', 'disconnected'] as const;
export type ShellState = (typeof SHELL_STATES)[number];

export const BUFFER_MODES = ['block', 'drop'] as const;
export type BufferMode = (typeof BUFFER_MODES)[number];

/** What kind of shell it is, by its ResourceUri: PowerShell remoting or `winrs` (cmd). */
export type ShellKind = 'powershell' | 'winrs' | 'other';

export interface RemoteShell {
  /** As the host spells it (upper case on Windows). */
  shellId: string;
  kind: ShellKind | null;
  resourceUri: string | null;
  /** `DOMAIN\user`, as WinRM shows it. */
  owner: string | null;
  clientIp: string | null;
  /** The shell's host process (wsmprovhost.exe, winrshost.exe). */
  processId: number | null;
  state: ShellState | null;
  runTimeSeconds: number | null;
  /** Since the client last sent anything: what the policy's idle and disconnected limits read. */
  inactivitySeconds: number | null;
  idleTimeoutSeconds: number | null;
  maxIdleTimeoutSeconds: number | null;
  /** Block: a disconnected shell's command stops once its output buffer is full; Drop: it runs on. */
  bufferMode: BufferMode | null;
  /** Processes the shell runs: a command that ending the shell would cut short. */
  childProcesses: number | null;
  memoryUsedBytes: number | null;
}

const SHELL_ID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/**
 * `xs:duration` as WinRM writes it (days, hours, minutes, seconds with an optional fraction),
 * in seconds. Years and months have no fixed length and a negative duration is no elapsed time:
 * both are `null`, as is anything else that is not such a duration.
 */
const DURATION =
  /^P(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,12}(?:\.\d{1,9})?)S)?)?$/;

export function durationSeconds(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return null;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  const total =
    Number(days) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
  return Number.isFinite(total) ? total : null;
}

const MEMORY_UNITS: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** `48MB` in bytes; WinRM's quotas count MB as 1024 × 1024 bytes (MaxMemoryPerShellMB). */
export function memoryBytes(text: string): number | null {
  const match = /^(\d{1,9})(KB|MB|GB)$/i.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  return Number(match[1]) * (MEMORY_UNITS[match[2].toUpperCase()] ?? Number.NaN);
}

function kindOf(resourceUri: string): ShellKind {
  if (/^http:\/\/schemas\.microsoft\.com\/powershell(?:\/|$)/i.test(resourceUri))
    return 'powershell';
  if (/^http:\/\/schemas\.microsoft\.com\/wbem\/wsman\/1\/windows\/shell\/cmd$/i.test(resourceUri))
    return 'winrs';
  return 'other';
}

type JsonObject = Record<string, unknown>;

function readObjects(raw: string): JsonObject[] | null {
  const trimmed = (raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item)))
    return null;
  return items as JsonObject[];
}

/** Reads one shell's fields; every field that is there but does not read is named in `warnings`. */
class ShellReader {
  constructor(
    private readonly object: JsonObject,
    private readonly label: string,
    private readonly warnings: string[]
  ) {}

  text(name: string): string | null {
    const value = this.object[name];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value.length > 0 ? value : null;
    this.warnings.push(`${this.label}: ${name} is not text; unknown`);
    return null;
  }

  read<T>(name: string, convert: (text: string) => T | null, what: string): T | null {
    const text = this.text(name);
    if (text === null) return null;
    const value = convert(text);
    if (value === null) {
      this.warnings.push(
        `${this.label}: ${name} ${JSON.stringify(text.slice(0, 40))} is not ${what}; unknown`
      );
    }
    return value;
  }

  /** A field the plan decides by: missing is worth saying too. */
  needed<T>(name: string, convert: (text: string) => T | null, what: string): T | null {
    if (this.text(name) === null) this.warnings.push(`${this.label}: no ${name}; unknown`);
    return this.read(name, convert, what);
  }
}

function count(text: string): number | null {
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}

function oneOf<T extends string>(values: readonly T[]): (text: string) => T | null {
  return (text) => values.find((value) => value === text.toLowerCase()) ?? null;
}

function shellOf(object: JsonObject, index: number, warnings: string[]): RemoteShell | null {
  const shellId = object.ShellId;
  if (typeof shellId !== 'string' || !SHELL_ID.test(shellId)) {
    warnings.push(`item ${index + 1} has no ShellId GUID; skipped`);
    return null;
  }
  const fields = new ShellReader(object, `shell ${shellId}`, warnings);
  const resourceUri = fields.text('ResourceUri');
  return {
    shellId,
    kind: resourceUri === null ? null : kindOf(resourceUri),
    resourceUri,
    owner: fields.needed('Owner', (text) => text, 'an account'),
    clientIp: fields.text('ClientIP'),
    processId: fields.read('ProcessId', count, 'a process id'),
    state: fields.needed('State', oneOf(SHELL_STATES), 'Connected or Disconnected'),
    runTimeSeconds: fields.read('ShellRunTime', durationSeconds, 'an ISO 8601 duration'),
    inactivitySeconds: fields.needed('ShellInactivity', durationSeconds, 'an ISO 8601 duration'),
    idleTimeoutSeconds: fields.read('IdleTimeOut', durationSeconds, 'an ISO 8601 duration'),
    maxIdleTimeoutSeconds: fields.read('MaxIdleTimeOut', durationSeconds, 'an ISO 8601 duration'),
    bufferMode: fields.read('BufferMode', oneOf(BUFFER_MODES), 'Block or Drop'),
    childProcesses: fields.needed('ChildProcesses', count, 'a number of processes'),
    memoryUsedBytes: fields.read('MemoryUsed', memoryBytes, 'an amount like 48MB'),
  };
}

export function readShells(raw: string): ParseResult<RemoteShell> | NotRecognised {
  const objects = readObjects(raw);
  if (objects === null) return { kind: 'not-recognised', expected: SHELLS_EXPECTED };
  const warnings: string[] = [];
  const rows = objects.flatMap((object, index) => shellOf(object, index, warnings) ?? []);
  if (rows.length === 0 && objects.length > 0)
    return { kind: 'not-recognised', expected: SHELLS_EXPECTED };
  return { rows, error: null, warnings };
}

/** Parses the `ListShells` JSON; other text gives no rows and says so. */
export function parseShells(raw: string): ParseResult<RemoteShell> {
  return orNotRecognised(readShells(raw));
}
