import { parseArgs } from 'node:util';

export interface RuntimeOptions {
  port: number;
  /** dynalite's port; 0 or absent picks a free one. */
  dynamodbPort?: number;
  /** The local SSM's port; 0 or absent picks a free one. */
  ssmPort?: number;
  /** The local EventBridge endpoint's port; 0 or absent picks a free one. */
  eventsPort?: number;
  fleet: number;
  sweepEveryMs: number;
  seed: number;
  /** A policy file; `null` uses the demo policy. */
  policyFile: string | null;
  /** Simulated minutes per real second. */
  timeScale: number;
  dataDir: string;
  inMemory: boolean;
  /** Where each ticket action's `Action Status-change` event is posted, as the API destination would. */
  forwardEvents?: string;
  /** What runs each SSM invocation: the TypeScript stand-in, or the document's real script. */
  hostScript: HostScriptMode;
  /** The session hosts' RDS idle limit (MaxIdleTime), minutes; absent: none. */
  idleLimitMinutes?: number;
  /** Fraction (0–1) of the local SSM's calls answered `ThrottlingException`; absent: none. */
  ssmThrottleRate?: number;
}

/**
 * The fastest simulated clock the runtime honours: the fleet lives minute by minute (every host,
 * every simulated minute), and 600 minutes of a 200-host fleet take about half a real second on
 * the 2-core development machine; much faster and the clock falls behind the speed asked.
 */
export const MAX_TIME_SCALE = 600;

export const HOST_SCRIPT_MODES = ['typescript', 'pwsh'] as const;
export type HostScriptMode = (typeof HOST_SCRIPT_MODES)[number];

export const RUNTIME_USAGE = `npm start -- [options]     (or: npx tsx local/main.ts [options])

Runs session-janitor on this machine: dynalite, a local SSM endpoint with a simulated Windows
fleet, the four functions, an event bus, a scheduler and the HTTP API, all on 127.0.0.1.

  --port N           API port (default 3000; 0 picks a free one)        JANITOR_PORT
  --dynamodb-port N  DynamoDB (dynalite) port (default 0: a free one)   JANITOR_DYNAMODB_PORT
  --ssm-port N       local SSM port (default 0: a free one)             JANITOR_SSM_PORT
  --events-port N    local EventBridge port (default 0: a free one)    JANITOR_EVENTS_PORT
  --fleet N          simulated hosts (default 12, 1-200)                JANITOR_FLEET
  --sweep-every D    sweep interval: 30s, 1m, 500ms (default 1m)        JANITOR_SWEEP_EVERY
  --seed N           fleet seed, for a reproducible demo (default 1)    JANITOR_SEED
  --policy FILE      policy document (default: the demo policy)         JANITOR_POLICY
  --time-scale N     simulated minutes per real second (default 1,      JANITOR_TIME_SCALE
                     0 stands still, at most ${MAX_TIME_SCALE})
  --data-dir DIR     where dynalite keeps the ledger (default .data)    JANITOR_DATA_DIR
  --in-memory        keep nothing on disk                               JANITOR_IN_MEMORY=1
  --host-script M    typescript (the stand-in, default) or pwsh (the    JANITOR_HOST_SCRIPT
                     document's real script; npm run setup:pwsh first)
  --idle-limit M     the session hosts' RDS idle limit, minutes: they   JANITOR_IDLE_LIMIT
                     disconnect sessions idle that long and the watcher
                     puts event 40 (reason 3) (default: none)
  --ssm-throttle R   throttle this fraction (0-1) of the local SSM's    JANITOR_SSM_THROTTLE
                     calls, as AWS does past its rate (default 0)
  --forward-events URL                                                  JANITOR_FORWARD_EVENTS
                     POST each ticket action's Action Status-change
                     event to URL, as the stack's ticketWebhook does
  -h, --help         this help`;

export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

/** `500ms`, `30s`, `1m`, `2h` → milliseconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OptionsError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Flags win over environment variables of the same meaning; both are validated the same way. */
export function parseRuntimeOptions(
  argv: string[],
  env: Record<string, string | undefined>
): RuntimeOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        'dynamodb-port': { type: 'string' },
        'ssm-port': { type: 'string' },
        'events-port': { type: 'string' },
        fleet: { type: 'string' },
        'sweep-every': { type: 'string' },
        seed: { type: 'string' },
        policy: { type: 'string' },
        'time-scale': { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'host-script': { type: 'string' },
        'forward-events': { type: 'string' },
        'idle-limit': { type: 'string' },
        'ssm-throttle': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  if (values.help) return 'help';
  const pick = (flag: string, variable: string) => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[variable];
  };
  const sweepText = pick('sweep-every', 'JANITOR_SWEEP_EVERY') ?? '1m';
  const sweepEveryMs = parseDuration(sweepText);
  if (sweepEveryMs === null || sweepEveryMs < 100) {
    throw new OptionsError(
      `--sweep-every must be a duration of at least 100ms like 30s or 1m, got "${sweepText}"`
    );
  }
  const scaleText = pick('time-scale', 'JANITOR_TIME_SCALE') ?? '1';
  const timeScale = Number(scaleText);
  if (!Number.isFinite(timeScale) || timeScale < 0 || timeScale > MAX_TIME_SCALE) {
    throw new OptionsError(
      `--time-scale must be a number from 0 to ${MAX_TIME_SCALE} (simulated minutes per real second; faster, the fleet's minute-by-minute life cannot keep up), got "${scaleText}"`
    );
  }
  const inMemoryEnv = env.JANITOR_IN_MEMORY;
  const hostScript = pick('host-script', 'JANITOR_HOST_SCRIPT') ?? 'typescript';
  if (!(HOST_SCRIPT_MODES as readonly string[]).includes(hostScript)) {
    throw new OptionsError(`--host-script must be typescript or pwsh, got "${hostScript}"`);
  }
  const forwardEvents = pick('forward-events', 'JANITOR_FORWARD_EVENTS');
  if (forwardEvents !== undefined && !/^https?:\/\/[^\s]+$/.test(forwardEvents)) {
    throw new OptionsError(`--forward-events must be an http(s) URL, got "${forwardEvents}"`);
  }
  const idleLimit = pick('idle-limit', 'JANITOR_IDLE_LIMIT');
  const throttleText = pick('ssm-throttle', 'JANITOR_SSM_THROTTLE');
  const ssmThrottleRate = throttleText === undefined ? undefined : Number(throttleText);
  if (
    ssmThrottleRate !== undefined &&
    (throttleText?.trim() === '' ||
      !Number.isFinite(ssmThrottleRate) ||
      ssmThrottleRate < 0 ||
      ssmThrottleRate > 1)
  ) {
    throw new OptionsError(`--ssm-throttle must be a number from 0 to 1, got "${throttleText}"`);
  }
  return {
    ssmThrottleRate,
    forwardEvents,
    idleLimitMinutes:
      idleLimit === undefined ? undefined : integer('idle-limit', idleLimit, 1, 71_582),
    port: integer('port', pick('port', 'JANITOR_PORT') ?? '3000', 0, 65_535),
    dynamodbPort: integer(
      'dynamodb-port',
      pick('dynamodb-port', 'JANITOR_DYNAMODB_PORT') ?? '0',
      0,
      65_535
    ),
    ssmPort: integer('ssm-port', pick('ssm-port', 'JANITOR_SSM_PORT') ?? '0', 0, 65_535),
    eventsPort: integer(
      'events-port',
      pick('events-port', 'JANITOR_EVENTS_PORT') ?? '0',
      0,
      65_535
    ),
    fleet: integer('fleet', pick('fleet', 'JANITOR_FLEET') ?? '12', 1, 200),
    sweepEveryMs,
    seed: integer('seed', pick('seed', 'JANITOR_SEED') ?? '1', 0, 2 ** 31 - 1),
    policyFile: pick('policy', 'JANITOR_POLICY') ?? null,
    timeScale,
    dataDir: pick('data-dir', 'JANITOR_DATA_DIR') ?? '.data',
    inMemory: values['in-memory'] === true || inMemoryEnv === '1' || inMemoryEnv === 'true',
    hostScript: hostScript as HostScriptMode,
  };
}
