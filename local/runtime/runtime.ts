// First: it sets what the functions' logger and metrics read when their modules load.
import './lambda-environment.js';
import { randomUUID } from 'node:crypto';
import { access, constants, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createApiHandler } from '../../functions/api.js';
import { createCommandStatusHandler } from '../../functions/command-status.js';
import { createIdleEventHandler } from '../../functions/idle-event.js';
import { createRuntime } from '../../functions/shared/runtime.js';
import { createSweepHandler } from '../../functions/sweep.js';
import type { Action } from '../../lib/actions/model.js';
import { type Clients, createClients } from '../../lib/aws/clients.js';
import { loadConfig } from '../../lib/config/env.js';
import {
  ACTION_STATUS_DETAIL_TYPE,
  ACTION_STATUS_SOURCE,
  API_ROUTES,
  API_THROTTLE,
  type ApiThrottle,
  DOCUMENT_NAME,
  EVENT_BUS,
  FUNCTION_TIMEOUT_SECONDS,
  INVOCATION_DETAIL_TYPE,
  NOT_FINAL_STATUSES,
  READ_DOCUMENT_NAME,
  SESSION_IDLE_DETAIL_TYPE,
  SESSION_IDLE_SOURCE,
  SSM_EVENT_SOURCE,
  STATUS_BATCH,
} from '../../lib/contract.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import type { Ledger } from '../../lib/ledger/ledger.js';
import { createLedgerTable } from '../../lib/ledger/table.js';
import { parsePolicy } from '../../lib/policy/schema.js';
import type { SweepResult } from '../../lib/sweep/sweep.js';
import { SimClock } from '../clock.js';
import { startDynalite } from '../dynamodb/server.js';
import { startDynaliteThread } from '../dynamodb/thread.js';
import { type LocalEvents, startLocalEvents } from '../events/server.js';
import { createFleet } from '../fleet/fleet.js';
import type { SessionIdleNotice, SimulatedFleet } from '../fleet/types.js';
import { type ApiHandler, startHttpGateway } from '../gateway/http-gateway.js';
import { ALL_SCOPES, createTokenAuthority, type TokenAuthority } from '../gateway/tokens.js';
import { PwshMissingError, startPwshHostScript } from '../host-script/pwsh.js';
import { startLocalSsm } from '../ssm/server.js';
import type { LocalSsm, SsmFaults, SsmTiming } from '../ssm/types.js';
import { type AnyEventBridgeEvent, LocalEventBus, LocalQueue } from './event-bus.js';
import { lambdaContext } from './lambda-context.js';
import { DataDirInUseError, lockDataDir } from './lock.js';
import type { RuntimeOptions } from './options.js';
import { latestRecordedTime, resumedStart } from './resume.js';

export const DEMO_POLICY_FILE = new URL('../demo-policy.json', import.meta.url);
export const TABLE_NAME = 'session-janitor-actions';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
/** The buses the local events endpoint knows: the stack's own, and the default one. */
const BUSES = [EVENT_BUS, 'default'] as const;
/**
 * The local SSM's delays in simulated milliseconds, about what Run Command takes: a second or two
 * before a reachable node runs the document, retries to an unreachable one every half minute.
 */
const SIMULATED_SSM_TIMING: Partial<SsmTiming> = {
  pendingMs: 1_500,
  delayedAfterMs: 5_000,
  retryDeliveryMs: 30_000,
  eventDelayMs: 500,
  msPerSecond: 1_000,
};

/** Where the local SSM journals the commands it accepted, beside the ledger (see `journal.ts`). */
export const ssmJournal = (dataDir: string) => join(resolve(dataDir), 'ssm', 'commands.jsonl');

export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Where the console's build lands (`npm run build:console`; `npm start` builds it when stale). */
export const CONSOLE_DIR = 'console/dist';

export interface StartRuntimeOptions extends RuntimeOptions {
  /** The built console served at the API's root. @default `console/dist` */
  consoleDir?: string;
  /** Where `local.json` goes. @default `.janitor` */
  janitorDir?: string;
  /** One line per action, sweep and notable event. @default no output */
  log?: (line: string) => void;
  ssmTiming?: Partial<SsmTiming>;
  ssmFaults?: Partial<SsmFaults>;
  /** Simulated script run time multiplier (0 in fast tests). @default 1 */
  durationScale?: number;
  /** Let the default fleet's users live on their own. @default true */
  liveSessions?: boolean;
  /** Publish the fleet's "Session Idle" notices on the bus. @default true */
  idleEvents?: boolean;
  /**
   * The API stage's throttle; `null`: none (tests and benchmarks that measure what is behind it).
   * @default API_THROTTLE, the stack's default stage
   */
  apiThrottle?: ApiThrottle | null;
  /** Also told what the functions observe (tools account for what each event came to). */
  observer?: Observer;
  /** Told how every function invocation ended, with the event it was given. */
  onInvocation?: InvocationListener;
  /**
   * Run dynalite in a worker thread of its own (see `startDynaliteThread`): for fleets of
   * thousands, where the one thread would otherwise carry the table's work and heap too. Its
   * start costs a few hundred milliseconds. @default false
   */
  dynamodbThread?: boolean;
}

export type InvocationListener = (
  name: FunctionName,
  event: unknown,
  outcome: { result: unknown } | { error: unknown }
) => void;

export interface Runtime {
  apiUrl: string;
  ssmEndpoint: string;
  /** The local EventBridge endpoint (`PutEvents`; `GET /events` follows the bus). */
  eventsEndpoint: string;
  dynamodbEndpoint: string;
  /** A token holding every scope. */
  token: string;
  localFile: string;
  fleet: SimulatedFleet;
  ssm: LocalSsm;
  ledger: Ledger;
  tokens: TokenAuthority;
  bus: LocalEventBus;
  /** The SDK clients the functions share (tools count or watch their requests on them). */
  clients: Clients;
  /** How many times each function has been invoked so far. */
  invocations(): Record<FunctionName, number>;
  /** Runs one sweep now, as the scheduler would. */
  sweepNow(at?: Date): Promise<SweepResult>;
  /** Resolves when no command, event, queued message or handler is still in flight. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts session-janitor on one machine: dynalite, the local SSM with the simulated fleet, the
 * four functions behind an event bus, a scheduler and the HTTP API gateway, all on 127.0.0.1.
 * Configuration reaches the functions through the same environment variables as in Lambda.
 */
export async function startRuntime(options: StartRuntimeOptions): Promise<Runtime> {
  const log = options.log ?? (() => undefined);
  const policyText = await readPolicyText(options.policyFile);
  const dataDir = resolve(options.dataDir);
  if (!options.inMemory) await assertWritable(dataDir);

  const stack: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const close of stack.reverse()) await close().catch(() => undefined);
  };
  try {
    const pwsh =
      options.hostScript === 'pwsh'
        ? await startPwshHostScript().catch((error: unknown) => {
            if (error instanceof PwshMissingError) throw new StartupError(error.message);
            throw error;
          })
        : null;
    if (pwsh) stack.push(() => pwsh.close());
    if (!options.inMemory) {
      const release = await lockDataDir(dataDir).catch((error: unknown) => {
        throw error instanceof DataDirInUseError ? new StartupError(error.message) : error;
      });
      stack.push(release);
    }
    const dynamo = await (options.dynamodbThread ? startDynaliteThread : startDynalite)({
      path: options.inMemory ? undefined : join(dataDir, 'dynamodb'),
      port: options.dynamodbPort,
    }).catch(portInUse(options.dynamodbPort, '--dynamodb-port'));
    stack.push(() => dynamo.close());

    // The simulated clock starts at the real one, so logon times and ledger times agree; after a
    // restart, never before what the ledger already holds.
    const latest = options.inMemory ? null : await latestRecordedTime(dynamo.endpoint, TABLE_NAME);
    const start = resumedStart(new Date(), latest);
    // One clock for everything that reports or waits for a time: the ledger, the functions, SSM
    // and the hosts all live in simulated time, which --time-scale speeds up (simulated minutes
    // per real second: timeScale × 60 simulated ms per real ms). SSM's delays and timeouts wait on
    // the same clock, so a delivery timeout lasts as long in simulated time as in AWS, and events
    // keep their order at every speed. Not with the real script, which takes real time: its SSM
    // waits in real time; nor at --time-scale 0, where the clock stands still (tests move it).
    const simClock = new SimClock(start, options.timeScale * 60);
    stack.push(async () => simClock.close());
    const fleet = createFleet({
      clock: simClock,
      hostScript: pwsh?.run,
      start,
      seed: options.seed,
      hosts: options.fleet,
      durationScale: options.durationScale ?? 1,
      liveSessions: options.liveSessions ?? true,
    });
    if (options.idleLimitMinutes !== undefined) {
      for (const host of fleet.instances()) {
        if (host.role === 'session-host')
          fleet.setIdleLimit(host.instanceId, options.idleLimitMinutes);
      }
    }
    const clock = () => fleet.now();
    const simulated = options.timeScale > 0 && !pwsh;
    const ssm = await startLocalSsm({
      fleet,
      seed: options.seed,
      accountId: ACCOUNT,
      region: REGION,
      port: options.ssmPort,
      clock,
      scheduler: simulated ? simClock : undefined,
      timing: { ...(simulated ? SIMULATED_SSM_TIMING : {}), ...options.ssmTiming },
      faults: { throttleRate: options.ssmThrottleRate ?? 0, ...options.ssmFaults },
      journal: options.inMemory ? undefined : ssmJournal(dataDir),
    }).catch(portInUse(options.ssmPort, '--ssm-port'));
    stack.push(() => ssm.close());

    // The functions' own latency costs no simulated time (see SimClock.hold).
    const hold = () => simClock.hold();
    const bus = new LocalEventBus(hold);
    // What is put on the bus from outside SSM (the fleet's notices, PutEvents), also shown to
    // those following it.
    const followers = new Set<(event: AnyEventBridgeEvent) => void>();
    const publish = (event: AnyEventBridgeEvent) => {
      for (const follower of followers) follower(event);
      bus.put(event);
    };
    const events: LocalEvents = await startLocalEvents({
      account: ACCOUNT,
      region: REGION,
      buses: BUSES,
      clock,
      // As in the stack, the rules (Session Idle → idle-event among them) are on the
      // session-janitor bus: an event put on the default bus is only seen by followers.
      deliver: (event, to) => {
        if (to === EVENT_BUS) publish(event);
        else for (const follower of followers) follower(event);
      },
      follow: (write) => {
        followers.add(write);
        return () => followers.delete(write);
      },
      port: options.eventsPort,
    }).catch(portInUse(options.eventsPort, '--events-port'));
    stack.push(() => events.close());
    // The functions read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      TABLE_NAME,
      DOCUMENT_NAME,
      READ_DOCUMENT_NAME,
      POLICY: policyText,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SSM_ENDPOINT: ssm.endpoint,
      EVENT_BUS_NAME: BUSES[0],
      EVENTS_ENDPOINT: events.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      DELIVERY_TIMEOUT_SECONDS: '60',
      EXECUTION_TIMEOUT_SECONDS: '120',
    });
    const config = loadConfig();
    const clients = createClients(config);
    await createLedgerTable(clients.ddb, TABLE_NAME);

    const fleetName = (instanceId: string) =>
      fleet.instance(instanceId)?.computerName ?? instanceId;
    const printing = printingObserver(log, fleetName, clock);
    const observer = options.observer ? teeObserver(printing, options.observer) : printing;
    const functions = createRuntime(config, { clients, observer, clock });
    const invocations: Record<FunctionName, number> = {
      sweep: 0,
      'command-status': 0,
      'idle-event': 0,
      api: 0,
    };
    const count = { invocations, listener: options.onInvocation };
    const sweepHandler = counted(count, 'sweep', createSweepHandler(functions));
    const statusHandler = counted(count, 'command-status', createCommandStatusHandler(functions));
    const idleHandler = counted(count, 'idle-event', createIdleEventHandler(functions));
    const apiHandler = counted(count, 'api', createApiHandler(functions));

    const statusQueue = new LocalQueue({
      name: 'session-janitor-command-status',
      hold,
      handler: statusHandler,
      deadLetters: bus.deadLetters,
      batchSize: STATUS_BATCH.size,
      maxConcurrency: STATUS_BATCH.concurrency,
      // The window runs on the simulated clock; where that stands still (or the real script runs
      // in real time) a batch leaves at once rather than waiting real seconds.
      batchingWindowMs: simulated ? STATUS_BATCH.windowSeconds * 1000 : 0,
      scheduler: simClock,
      visibilityTimeoutMs: 2000,
      functionTimeoutMs: FUNCTION_TIMEOUT_SECONDS['command-status'] * 1000,
    });
    stack.push(async () => statusQueue.close());
    bus.addRule({
      name: 'ssm-invocation-status',
      matches: (e) =>
        e.source === SSM_EVENT_SOURCE &&
        e['detail-type'] === INVOCATION_DETAIL_TYPE &&
        [DOCUMENT_NAME, READ_DOCUMENT_NAME].includes(
          String((e.detail as { 'document-name'?: string })['document-name'])
        ) &&
        !(NOT_FINAL_STATUSES as readonly string[]).includes(
          String((e.detail as { status?: string }).status)
        ),
      target: { kind: 'queue', queue: statusQueue },
    });
    bus.addRule({
      name: 'session-idle',
      matches: (e) =>
        e.source === SESSION_IDLE_SOURCE && e['detail-type'] === SESSION_IDLE_DETAIL_TYPE,
      target: { kind: 'lambda', invoke: (event, context) => idleHandler(event, context) },
    });
    if (options.forwardEvents) {
      const url = options.forwardEvents;
      bus.addRule({
        name: 'ticket-webhook',
        matches: isTicketOutcome,
        // As the API destination does: the event as the body, a failed delivery retried.
        target: { kind: 'lambda', invoke: (event) => forward(url, event) },
      });
    }
    stack.push(() => bus.drain());
    const unsubscribe = ssm.subscribe((event) => bus.put(event as AnyEventBridgeEvent));
    stack.push(async () => unsubscribe());
    if (options.idleEvents ?? true) {
      const stopIdle = fleet.onSessionIdle((notice) => publish(sessionIdleEvent(fleet, notice)));
      stack.push(async () => stopIdle());
    }

    const tokens = await createTokenAuthority(`http://127.0.0.1/session-janitor-local`);
    // A request that records or sends holds the clock like any function: unheld, at the fastest
    // --time-scale the API's own few ms would carry a ticket's action past its send cutoff before
    // it was sent. A read records and decides nothing; clients polling one need not slow the clock.
    const heldApiHandler: ApiHandler = async (event, context) => {
      if (event.requestContext.http.method === 'GET') return apiHandler(event, context);
      const release = hold();
      try {
        return await apiHandler(event, context);
      } finally {
        release();
      }
    };
    const gateway = await startHttpGateway({
      handler: heldApiHandler,
      routes: API_ROUTES,
      tokens,
      console: {
        dir: resolve(options.consoleDir ?? CONSOLE_DIR),
        // Same origin as the API; sign-in with a token (the operator's in local.json, or another).
        config: { apiUrl: '', auth: { kind: 'token', tokenFile: '.janitor/local.json' } },
      },
      throttle: options.apiThrottle === undefined ? API_THROTTLE : options.apiThrottle,
      port: options.port,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(
        error.code === 'EADDRINUSE'
          ? `port ${options.port} is in use: stop what uses it or pass --port`
          : `cannot start the API on port ${options.port}: ${error.message}`,
        { cause: error }
      );
    });
    stack.push(() => gateway.close());

    const token = await tokens.issue({ subject: 'local-operator', scopes: ALL_SCOPES });
    const janitorDir = resolve(options.janitorDir ?? '.janitor');
    const localFile = join(janitorDir, 'local.json');
    await ensureDirectory(janitorDir).catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(`cannot create ${janitorDir} (${error.code ?? 'error'})`, {
        cause: error,
      });
    });
    await writeFile(
      localFile,
      `${JSON.stringify(
        {
          apiUrl: gateway.url,
          ssmEndpoint: ssm.endpoint,
          eventsEndpoint: events.endpoint,
          dynamodbEndpoint: dynamo.endpoint,
          token,
        },
        null,
        2
      )}\n`,
      { mode: 0o600 }
    );

    const inflightSweeps = new Set<Promise<unknown>>();
    const sweepNow = async (at = clock()): Promise<SweepResult> => {
      const input = { scheduledTime: at.toISOString(), scheduleArn: 'local:schedule/sweep' };
      const release = simClock.hold();
      const work = sweepHandler(
        input,
        lambdaContext('sweep', randomUUID(), FUNCTION_TIMEOUT_SECONDS.sweep * 1000)
      ).finally(release);
      inflightSweeps.add(work);
      try {
        const result = await work;
        log(sweepLine(result, at));
        return result;
      } finally {
        inflightSweeps.delete(work);
      }
    };
    const timers: NodeJS.Timeout[] = [];
    if (Number.isFinite(options.sweepEveryMs)) {
      const tick = () =>
        void sweepNow().catch((error: unknown) =>
          log(`${hhmmss(clock())}  sweep failed: ${String(error)}`)
        );
      timers.push(setTimeout(tick, Math.min(2000, options.sweepEveryMs)));
      timers.push(setInterval(tick, options.sweepEveryMs));
    }
    const stopLiving: Array<() => void> = [];
    if (options.timeScale > 0) {
      // The fleet's users live minute by minute, on the simulated clock's minutes.
      const minute = 60_000;
      const firstMinute = (Math.floor(start.getTime() / minute) + 1) * minute - start.getTime();
      stopLiving.push(
        simClock.after(firstMinute, () => {
          fleet.advance(1);
          stopLiving.push(simClock.every(minute, () => fleet.advance(1)));
        })
      );
    }
    const stopTimers = () => {
      for (const timer of timers) clearInterval(timer);
      for (const stop of stopLiving) stop();
    };
    stack.push(async () => stopTimers());

    const settle = async () => {
      // Handlers start commands whose events start handlers: loop until a full pass is quiet.
      for (let pass = 0; pass < 50; pass++) {
        const before = ssm.commands().length;
        await Promise.allSettled([...inflightSweeps]);
        await ssm.idle();
        await statusQueue.idle();
        await bus.drain();
        await ssm.idle();
        if (ssm.commands().length === before && inflightSweeps.size === 0) return;
      }
    };

    let stopped = false;
    return {
      apiUrl: gateway.url,
      ssmEndpoint: ssm.endpoint,
      eventsEndpoint: events.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      token,
      localFile,
      fleet,
      ssm,
      ledger: functions.ledger,
      tokens,
      bus,
      clients,
      invocations: () => ({ ...invocations }),
      sweepNow,
      settle,
      async stop() {
        if (stopped) return;
        stopped = true;
        stopTimers();
        await gateway.close();
        // No dispatched action left behind untracked: let every command finish and its status
        // event reach command-status before the SSM endpoint and the ledger go away.
        await settle();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

export type FunctionName = 'sweep' | 'command-status' | 'idle-event' | 'api';

function counted<E, A extends unknown[], R>(
  count: { invocations: Record<FunctionName, number>; listener: InvocationListener | undefined },
  name: FunctionName,
  handler: (event: E, ...rest: A) => Promise<R>
): (event: E, ...rest: A) => Promise<R> {
  const { invocations, listener } = count;
  return async (event, ...rest) => {
    invocations[name]++;
    if (!listener) return handler(event, ...rest);
    try {
      const result = await handler(event, ...rest);
      listener(name, event, { result });
      return result;
    } catch (error) {
      listener(name, event, { error });
      throw error;
    }
  };
}

function teeObserver(a: Observer, b: Observer): Observer {
  return {
    planned: (action, decision) => {
      a.planned(action, decision);
      b.planned(action, decision);
    },
    finished: (action) => {
      a.finished(action);
      b.finished(action);
    },
    info: (message, data) => {
      a.info(message, data);
      b.info(message, data);
    },
    warn: (message, data) => {
      a.warn(message, data);
      b.warn(message, data);
    },
  };
}

function portInUse(port: number | undefined, flag: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === 'EADDRINUSE') {
      throw new StartupError(`port ${port} is in use: stop what uses it or pass ${flag}`, {
        cause: error,
      });
    }
    throw error;
  };
}

async function readPolicyText(file: string | null): Promise<string> {
  const path = file ?? DEMO_POLICY_FILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StartupError(
      `cannot read the policy file ${String(file)}: ${(error as Error).message}`,
      {
        cause: error,
      }
    );
  }
  try {
    parsePolicy(text);
  } catch (error) {
    throw new StartupError(`${file ?? 'demo policy'}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return text;
}

async function assertWritable(dir: string): Promise<void> {
  try {
    await ensureDirectory(dir);
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new StartupError(
      `the data directory ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}): pass --data-dir or --in-memory`,
      { cause: error }
    );
  }
}

/**
 * `mkdir -p`, one level at a time: Node's `recursive: true` never returns for some paths it cannot
 * create (under /proc, for one), and a start-up that hangs is worse than one that fails.
 */
async function ensureDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  while (!(await exists(current))) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing) await mkdir(path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The fleet's notice as the EventBridge event the watcher would put (events/session-idle). */
function sessionIdleEvent(fleet: SimulatedFleet, notice: SessionIdleNotice): AnyEventBridgeEvent {
  const offset = fleet.host(notice.instanceId).utcOffsetMinutes;
  const [domain, user] = notice.userName.includes('\\')
    ? (notice.userName.split('\\', 2) as [string, string])
    : [null, notice.userName];
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SESSION_IDLE_DETAIL_TYPE,
    source: SESSION_IDLE_SOURCE,
    account: ACCOUNT,
    time: fleet
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${notice.instanceId}`],
    detail: {
      instanceId: notice.instanceId,
      sessionId: notice.sessionId,
      userName: user,
      ...(domain ? { domain } : {}),
      state: notice.state,
      idleMinutes: notice.idleMinutes,
      logonTime: notice.logonTime,
      windowsEvent: notice.windowsEvent,
      // In host-local time with its offset, as a host's task would write it.
      observedAt: withOffset(new Date(notice.observedAt), offset),
    },
  };
}

function withOffset(at: Date, offsetMinutes: number): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** What the stack's ticket-webhook rule matches: an API (ticket) action's terminal transition. */
function isTicketOutcome(event: AnyEventBridgeEvent): boolean {
  return (
    event.source === ACTION_STATUS_SOURCE &&
    event['detail-type'] === ACTION_STATUS_DETAIL_TYPE &&
    (event.detail as { trigger?: { kind?: string } }).trigger?.kind === 'api'
  );
}

async function forward(url: string, event: AnyEventBridgeEvent): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(5_000),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

/** `HH:MM:SS` of a simulated instant (UTC: the fleet's hosts each have their own zone). */
function hhmmss(at: Date): string {
  return at.toISOString().slice(11, 19);
}

function who(action: Action): string {
  const t = action.target;
  if (t.kind === 'session') return `${t.expectedUser} (session ${t.sessionId})`;
  if (t.kind === 'file') return t.expectedPath;
  if (t.kind === 'shell') return `${t.expectedOwner} (shell ${t.shellId})`;
  return [t.userName, t.clientName].filter(Boolean).join(' from ');
}

/** One readable line per action: time, host, user, operation, outcome, reason. */
function printingObserver(
  log: (line: string) => void,
  hostName: (id: string) => string,
  now: () => Date
): Observer {
  const line = (action: Action, outcome: string) =>
    log(
      `${hhmmss(now())}  ${hostName(action.instanceId).padEnd(12)} ${who(action).padEnd(32)} ${action.operation.padEnd(10)} ${outcome.padEnd(13)} ${action.reason}`
    );
  return {
    // Every action ends in `finished` (a skipped one at once), so that is the one line printed.
    planned: () => undefined,
    finished(action) {
      const code = action.result?.errorCode ? ` (${action.result.errorCode})` : '';
      line(action, `${action.status}${code}`);
    },
    // The sweep prints its own line (sweepLine); a throttled retry is no news to an operator.
    sweepRan: () => undefined,
    ssmThrottled: () => undefined,
    info: () => undefined,
    warn(message, data) {
      log(`${hhmmss(now())}  warning: ${message}${data ? ` ${JSON.stringify(data)}` : ''}`);
    },
  };
}

function sweepLine(result: SweepResult, at: Date): string {
  const hosts = Object.values(result.groups).reduce((n, ids) => n + ids.length, 0);
  const groups = Object.entries(result.groups)
    .map(([group, ids]) => `${group} ${ids.length}`)
    .join(', ');
  const { reconciled } = result;
  return `${hhmmss(at)}  sweep ${result.sweepId}${result.repeated ? ' (repeat, nothing sent)' : ''}: asked ${hosts} hosts (${groups || 'none'})${result.rejected.length > 0 ? `, ${result.rejected.length} refused by SSM` : ''}, reconciled ${reconciled.completed}/${reconciled.checked}`;
}
