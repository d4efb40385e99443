import type { HostOperation, HostParameters } from '../../lib/ssm/host-contract.js';
import {
  BUSY_FILE_SERVER,
  blueprints,
  type HostBlueprint,
  LONG_USER_NAME,
  PROTECTED_ACCOUNT,
  SHARE_PATHS,
  USER_POOLS,
} from './default-fleet.js';
import { FleetError } from './errors.js';
import {
  type HostState,
  idleMinutes,
  lowestFreeSessionId,
  MINUTE_MS,
  openCount,
  type SessionState,
  type SmbOrigin,
  type SmbSessionState,
  shareRelativePath,
  splitAccount,
} from './host-state.js';
import { hostLocale } from './locales.js';
import { standInScript } from './operations.js';
import { createPrng, type Prng } from './prng.js';
import type {
  AddOpenFileInput,
  AddSessionInput,
  AddSmbSessionInput,
  FleetInstance,
  HostScript,
  HostView,
  ScriptRun,
  SessionIdleNotice,
  SimulatedFleet,
} from './types.js';
import { windowsHost } from './windows.js';

export interface CreateFleetOptions {
  /** Default 1. The same seed and the same calls give the same fleet, outputs and events. */
  seed?: number;
  /** Default 12: the fleet documented in `default-fleet.ts`. */
  hosts?: number;
  /** Simulated clock at creation. Default 2026-11-23T14:00:00Z (a Monday afternoon). */
  start?: Date;
  managedTagKey?: string;
  groupTagKey?: string;
  /** Idle minutes at which `onSessionIdle` fires. Default 10. */
  idleThresholdMinutes?: number;
  /** Default true: the default fleet's users live on their own during `advance`. */
  liveSessions?: boolean;
  /** Multiplies the simulated script run times (`ScriptRun.durationMs`); 0 in fast tests. */
  durationScale?: number;
  /** Which script runs an invocation. Default: the TypeScript stand-in (`operations.ts`). */
  hostScript?: HostScript;
  /**
   * The clock the hosts read (`now()`, the host time of every output), at millisecond
   * resolution; `advance` moves it forward with the fleet. Default: the fleet's own clock, which
   * moves only by `advance`, a whole minute at a time.
   */
  clock?: FleetClock;
}

export interface FleetClock {
  now(): number;
  advanceTo(ms: number): void;
}

export const DEFAULT_FLEET_START = new Date('2026-11-23T14:00:00Z');
export const DEFAULT_MANAGED_TAG_KEY = 'session-janitor:managed';
export const DEFAULT_GROUP_TAG_KEY = 'session-janitor:policy-group';
export const DEFAULT_IDLE_THRESHOLD_MINUTES = 10;

/** Simulated run time of each operation, in ms of real time (the SmbShare cmdlets load CIM). */
const BASE_DURATION_MS: Record<HostOperation, number> = {
  ListSessions: 60,
  DisconnectSession: 40,
  LogoffSession: 80,
  NotifySession: 30,
  ListSmbSessions: 150,
  CloseSmbSession: 120,
  ListOpenFiles: 150,
  CloseOpenFile: 120,
};

/** Per simulated minute. Chosen so a working day shows every transition on a 12-host fleet. */
const ODDS = {
  stopWorking: 0.03,
  resumeWork: 0.05,
  clientDisconnects: 0.008,
  reconnect: 0.004,
  logsOffAlone: 0.002,
  newLogon: 0.006,
  workstationRequest: 0.05,
} as const;
const MAX_RDP_SESSIONS = 8;
/** Room for the sweep benchmark's largest fleet (`bench/sweep.bench.ts`: 10,000 swept hosts). */
export const MAX_FLEET_HOSTS = 10_100;
const MAX_ADVANCE_MINUTES = 366 * 1440;

export function createFleet(options: CreateFleetOptions = {}): SimulatedFleet {
  const seed = options.seed ?? 1;
  const hostCount = options.hosts ?? 12;
  const start = options.start ?? DEFAULT_FLEET_START;
  const threshold = options.idleThresholdMinutes ?? DEFAULT_IDLE_THRESHOLD_MINUTES;
  const durationScale = options.durationScale ?? 1;
  const script = options.hostScript ?? standInScript;
  if (!Number.isInteger(seed)) throw new FleetError('invalid-input', 'seed must be an integer');
  if (!Number.isInteger(hostCount) || hostCount < 0 || hostCount > MAX_FLEET_HOSTS) {
    throw new FleetError('invalid-input', `hosts must be an integer from 0 to ${MAX_FLEET_HOSTS}`);
  }
  if (Number.isNaN(start.getTime())) throw new FleetError('invalid-input', 'start is not a date');
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new FleetError('invalid-input', 'idleThresholdMinutes must be a positive integer');
  }
  if (!(durationScale >= 0)) throw new FleetError('invalid-input', 'durationScale must be ≥ 0');

  const prng = createPrng(seed);
  const live = options.liveSessions ?? true;
  const hosts = new Map<string, HostState>();
  const listeners = new Set<(notice: SessionIdleNotice) => void>();
  let now = Math.floor(start.getTime() / MINUTE_MS) * MINUTE_MS;
  const clock = options.clock;
  /** What the hosts' clocks read: the shared clock, never behind the fleet's last minute. */
  const current = () => (clock ? Math.max(clock.now(), now) : now);
  const ids = new IdSource(prng);

  const plans = blueprints(hostCount).map((blueprint, index) => {
    let host = buildHost(blueprint, index, prng, options);
    while (hosts.has(host.instance.instanceId)) host = buildHost(blueprint, index, prng, options);
    hosts.set(host.instance.instanceId, host);
    return { host, blueprint };
  });
  for (const { host, blueprint } of plans) {
    if (blueprint.role === 'session-host') {
      populateSessionHost(host, blueprint, now, prng, threshold);
    }
  }
  const sessionHosts = [...hosts.values()].filter((h) => h.instance.role === 'session-host');
  for (const host of hosts.values()) {
    if (host.instance.role === 'file-server')
      populateFileServer(host, sessionHosts, now, prng, ids);
  }
  // Its own stream of random numbers: a busy server leaves the rest of the fleet as it was.
  const busyPrng = createPrng(seed ^ 0x0b05f11e);
  for (const { host, blueprint } of plans) {
    if (blueprint.busyOpenFiles) {
      populateBusyFileServer(host, blueprint.busyOpenFiles, now, busyPrng, ids.forked(busyPrng));
    }
  }

  const sessionEnded = (origin: HostState, session: SessionState): void => {
    for (const server of hosts.values()) {
      for (const smb of [...server.smbSessions.values()]) {
        const o = smb.origin;
        if (
          o?.instanceId === origin.instance.instanceId &&
          o.sessionId === session.id &&
          o.logonAt === session.logonAt
        ) {
          closeSmbSessionState(server, smb.id);
        }
      }
    }
  };

  const getHost = (instanceId: string): HostState => {
    const host = hosts.get(instanceId);
    if (!host) throw new FleetError('unknown-instance', `No simulated instance ${instanceId}`);
    return host;
  };

  /** A user at work keeps the SMB session their RDP session opened busy. */
  const originWorking = (smb: SmbSessionState): boolean => {
    const o = smb.origin;
    const session = o ? hosts.get(o.instanceId)?.sessions.get(o.sessionId) : undefined;
    return session?.logonAt === o?.logonAt && session?.state === 'active' && session.working;
  };

  const step = (notices: SessionIdleNotice[]): void => {
    now += MINUTE_MS;
    for (const host of hosts.values()) {
      if (live) liveMinute(host, now, prng, sessionEnded);
      for (const smb of host.smbSessions.values()) if (originWorking(smb)) smb.lastRequestAt = now;
      for (const session of sortedSessions(host)) {
        if (session.console) continue;
        const idle = idleMinutes(session, now);
        if (idle < threshold) {
          session.idleNoticed = false;
        } else if (!session.idleNoticed) {
          session.idleNoticed = true;
          notices.push({
            instanceId: host.instance.instanceId,
            sessionId: session.id,
            userName: session.userName,
            state: session.state,
            idleMinutes: idle,
            logonTime: iso(session.logonAt),
            observedAt: iso(now),
          });
        }
      }
    }
  };

  return {
    instances: () => [...hosts.values()].map((h) => copyInstance(h.instance)),
    instance: (instanceId) => {
      const host = hosts.get(instanceId);
      return host ? copyInstance(host.instance) : undefined;
    },
    run: async (instanceId: string, parameters: HostParameters): Promise<ScriptRun> => {
      const host = getHost(instanceId);
      if (host.instance.pingStatus !== 'Online') {
        throw new FleetError(
          'host-unreachable',
          `${instanceId} is ${host.instance.pingStatus}: no agent to run the script`
        );
      }
      const windows = windowsHost(host, current, {
        sessionEnded,
        closeSmbSession: closeSmbSessionState,
      });
      const result = await script(windows, parameters);
      // A real script took real time; the stand-in's is simulated.
      const base = BASE_DURATION_MS[parameters.Operation] ?? 0;
      return {
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        durationMs: (result.elapsedMs ?? Math.round(base * durationScale)) + host.slowMs,
      };
    },
    now: () => new Date(current()),
    advance: (minutes) => {
      if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_ADVANCE_MINUTES) {
        throw new FleetError(
          'invalid-input',
          `advance takes whole minutes from 0 to ${MAX_ADVANCE_MINUTES}`
        );
      }
      const notices: SessionIdleNotice[] = [];
      for (let i = 0; i < minutes; i++) step(notices);
      clock?.advanceTo(now);
      for (const notice of notices) for (const listener of [...listeners]) listener({ ...notice });
    },
    host: (instanceId) => view(getHost(instanceId), now),
    addSession: (instanceId, input) => addSession(getHost(instanceId), input, now, threshold),
    logOff: (instanceId, sessionId) => {
      const host = getHost(instanceId);
      const session = host.sessions.get(sessionId);
      if (!session) {
        throw new FleetError('invalid-input', `no session ${sessionId} on ${instanceId}`);
      }
      host.sessions.delete(sessionId);
      sessionEnded(host, session);
    },
    addSmbSession: (instanceId, input) => {
      const host = getHost(instanceId);
      return createSmbSession(host, validSmbInput(input), now, ids).id.toString();
    },
    addOpenFile: (instanceId, input) => addOpenFile(getHost(instanceId), input, now, ids),
    touchSession: (instanceId, sessionId) => {
      const session = getHost(instanceId).sessions.get(sessionId);
      if (session?.state !== 'active') {
        throw new FleetError('invalid-input', `no active session ${sessionId} on ${instanceId}`);
      }
      session.lastInputAt = now;
      session.idleNoticed = false;
    },
    setPingStatus: (instanceId, status) => {
      const host = getHost(instanceId);
      if (!['Online', 'ConnectionLost', 'Inactive'].includes(status)) {
        throw new FleetError('invalid-input', `Unknown PingStatus ${String(status)}`);
      }
      host.instance.pingStatus = status;
    },
    setSlow: (instanceId, ms) => {
      const host = getHost(instanceId);
      if (!Number.isFinite(ms) || ms < 0) {
        throw new FleetError('invalid-input', 'setSlow takes a number of milliseconds ≥ 0');
      }
      host.slowMs = Math.round(ms);
    },
    setLanguageMode: (instanceId, mode) => {
      const host = getHost(instanceId);
      if (mode !== 'FullLanguage' && mode !== 'ConstrainedLanguage') {
        throw new FleetError('invalid-input', `Unknown language mode ${String(mode)}`);
      }
      host.languageMode = mode;
    },
    onSessionIdle: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

const SMB_SESSION_ID_HIGH = [0x800, 0x803] as const;
const FILE_ID_HIGH = [0x3f0, 0x7ff] as const;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
/** FILE_GENERIC_READ (0x120089) and read/write (0x12019F) handles, as SmbShare reports them. */
const READ = 1_179_785;
const READ_WRITE = 1_180_063;
const PERMISSIONS = [READ, READ_WRITE] as const;

/** SMB session and file ids: unique 64-bit numbers of the size the SmbShare docs show (~4e12–9e12). */
class IdSource {
  constructor(
    private readonly prng: Prng,
    private readonly used = new Set<bigint>()
  ) {}
  next([highMin, highMax]: readonly [number, number]): bigint {
    for (;;) {
      const high = BigInt(this.prng.int(highMin, highMax));
      const id = (high << 32n) | BigInt(this.prng.int(0, 0xffff_ffff));
      if (!this.used.has(id)) return this.claim(id);
    }
  }
  has(id: bigint): boolean {
    return this.used.has(id);
  }
  /** Draws from `prng` and shares the ids already used, so ids stay unique fleet-wide. */
  forked(prng: Prng): IdSource {
    return new IdSource(prng, this.used);
  }
  claim(id: bigint): bigint {
    this.used.add(id);
    return id;
  }
}

function buildHost(
  blueprint: HostBlueprint,
  index: number,
  prng: Prng,
  options: CreateFleetOptions
): HostState {
  const locale = hostLocale(blueprint.culture);
  const subnet = blueprint.role === 'file-server' ? 2 : 1;
  const tags: Record<string, string> = { Name: blueprint.computerName };
  if (blueprint.managed) tags[options.managedTagKey ?? DEFAULT_MANAGED_TAG_KEY] = 'true';
  tags[options.groupTagKey ?? DEFAULT_GROUP_TAG_KEY] = blueprint.group;
  return {
    instance: {
      instanceId: `i-0${prng.hex(16)}`,
      computerName: blueprint.computerName,
      pingStatus: blueprint.pingStatus,
      platformType: 'Windows',
      platformName: blueprint.platformName,
      platformVersion: blueprint.platformVersion,
      agentVersion: '3.3.1142.0',
      ipAddress: `10.0.${subnet + 10 * Math.floor(index / 240)}.${10 + (index % 240)}`,
      locale: locale.culture,
      tags,
      role: blueprint.role,
    },
    locale,
    utcOffsetMinutes: blueprint.utcOffsetMinutes ?? locale.utcOffsetMinutes,
    slowMs: 0,
    languageMode: 'FullLanguage',
    sessions: new Map(),
    smbSessions: new Map(),
    openFiles: new Map(),
    notifications: [],
    nextRdpConnection: prng.int(0, 30),
    userPool: [
      ...(USER_POOLS[blueprint.culture] ?? []),
      ...(blueprint.longUserName ? [LONG_USER_NAME] : []),
    ].map((u) => `CORP\\${u}`),
  };
}

function populateSessionHost(
  host: HostState,
  blueprint: HostBlueprint,
  now: number,
  prng: Prng,
  threshold: number
): void {
  const minutesAgo = (minutes: number) => now - minutes * MINUTE_MS;
  putSession(host, {
    id: 1,
    userName: 'Administrator',
    domain: host.instance.computerName,
    sessionName: 'console',
    state: 'active',
    logonAt: minutesAgo(prng.int(2 * 1440, 9 * 1440)),
    lastInputAt: now,
    console: true,
    protected: false,
    live: false,
    working: false,
    idleNoticed: false,
  });
  const pool = shuffled(
    host.userPool.filter((u) => splitAccount(u).userName !== LONG_USER_NAME),
    prng
  );
  const count = prng.int(2, Math.min(6, pool.length));
  let id = 1;
  for (const account of pool.slice(0, count)) {
    id += prng.int(1, 2);
    const roll = prng.next();
    const state = roll < 0.7 ? 'active' : 'disconnected';
    const idle = roll < 0.4 ? prng.int(0, 2) : roll < 0.7 ? prng.int(12, 95) : prng.int(120, 2000);
    putSession(host, {
      ...splitAccount(account),
      id,
      sessionName: state === 'active' ? nextRdpName(host) : null,
      state,
      logonAt: minutesAgo(idle + prng.int(30, 600)),
      lastInputAt: minutesAgo(idle),
      console: false,
      protected: false,
      live: true,
      working: roll < 0.4,
      idleNoticed: idle >= threshold,
    });
  }
  if (blueprint.longUserName) {
    id += 1;
    putSession(host, {
      id,
      userName: LONG_USER_NAME,
      domain: 'CORP',
      sessionName: nextRdpName(host),
      state: 'active',
      logonAt: minutesAgo(240),
      lastInputAt: minutesAgo(35),
      console: false,
      protected: false,
      live: true,
      working: false,
      idleNoticed: 35 >= threshold,
    });
  }
  if (blueprint.protectedAccount) {
    const idle = prng.int(3 * 1440, 5 * 1440);
    putSession(host, {
      id: id + 1,
      userName: PROTECTED_ACCOUNT,
      domain: 'CORP',
      sessionName: null,
      state: 'disconnected',
      logonAt: minutesAgo(idle + 90),
      lastInputAt: minutesAgo(idle),
      console: false,
      protected: true,
      live: false,
      working: false,
      idleNoticed: idle >= threshold,
    });
  }
}

function populateFileServer(
  server: HostState,
  sessionHosts: readonly HostState[],
  now: number,
  prng: Prng,
  ids: IdSource
): void {
  const candidates = sessionHosts.flatMap((host) =>
    sortedSessions(host)
      .filter((s) => !s.console && !s.protected)
      .map((session) => ({ host, session }))
  );
  const clients: { client: string; user: string; origin: SmbOrigin | null }[] = shuffled(
    candidates,
    prng
  )
    .slice(0, prng.int(3, 5))
    .map(({ host, session }) => ({
      client: host.instance.ipAddress,
      user: `${session.domain}\\${session.userName}`,
      origin: {
        instanceId: host.instance.instanceId,
        sessionId: session.id,
        logonAt: session.logonAt,
      },
    }));
  clients.push({
    client: `10.20.${prng.int(1, 9)}.${prng.int(10, 250)}`,
    user: prng.pick(server.userPool),
    origin: null,
  });
  for (const { client, user, origin } of clients) {
    const smb = createSmbSession(
      server,
      {
        clientComputerName: client,
        clientUserName: user,
        secondsIdle: prng.int(0, 1800),
        dialect: '3.1.1',
      },
      now,
      ids
    );
    smb.origin = origin;
    for (const path of shuffled(SHARE_PATHS, prng).slice(0, prng.int(1, 3))) {
      const id = ids.next(FILE_ID_HIGH);
      server.openFiles.set(id, {
        id,
        smbSessionId: smb.id,
        path,
        locks: prng.int(0, 2),
        permissions: prng.pick(PERMISSIONS),
      });
    }
  }
}

/** `BUSY_FILE_SERVER`: a Citrix farm's users on one client, then staff with scans open. */
function populateBusyFileServer(
  server: HostState,
  count: number,
  now: number,
  prng: Prng,
  ids: IdSource
): void {
  const busy = BUSY_FILE_SERVER;
  const open = (smb: SmbSessionState, path: string) => {
    const id = ids.next(FILE_ID_HIGH);
    server.openFiles.set(id, {
      id,
      smbSessionId: smb.id,
      path,
      locks: prng.int(0, 2),
      permissions: prng.pick(PERMISSIONS),
    });
  };
  const session = (client: string, user: string) =>
    createSmbSession(
      server,
      {
        clientComputerName: client,
        clientUserName: user,
        secondsIdle: prng.int(0, 1800),
        dialect: '3.1.1',
      },
      now,
      ids
    );
  for (let i = 1; i <= busy.farmUsers; i++) {
    open(session(busy.farmClient, `CORP\\ctx.user${String(i).padStart(2, '0')}`), busy.sharedFile);
  }
  let scan = 1;
  for (let staff = 1; scan <= count - busy.farmUsers; staff++) {
    const smb = session(
      `10.30.${prng.int(1, 9)}.${prng.int(10, 250)}`,
      `CORP\\staff${String(staff).padStart(4, '0')}`
    );
    for (let i = 0; i < busy.staffFilesEach && scan <= count - busy.farmUsers; i++) {
      open(smb, busy.scanPath(scan++));
    }
  }
}

interface SmbInput {
  clientComputerName: string;
  clientUserName: string;
  secondsIdle: number;
  dialect: string;
}

function createSmbSession(
  host: HostState,
  input: SmbInput,
  now: number,
  ids: IdSource
): SmbSessionState {
  const id = ids.next(SMB_SESSION_ID_HIGH);
  const smb: SmbSessionState = {
    id,
    clientComputerName: input.clientComputerName,
    clientUserName: input.clientUserName,
    createdAt: now - input.secondsIdle * 1000,
    lastRequestAt: now - input.secondsIdle * 1000,
    dialect: input.dialect,
    origin: null,
  };
  host.smbSessions.set(id, smb);
  return smb;
}

/** One simulated minute of a host's users, drawn from the fleet's PRNG. */
function liveMinute(
  host: HostState,
  now: number,
  prng: Prng,
  sessionEnded: (host: HostState, session: SessionState) => void
): void {
  for (const session of sortedSessions(host)) {
    if (!session.live) continue;
    if (session.state === 'active' && session.working) {
      session.lastInputAt = now;
      if (prng.chance(ODDS.stopWorking)) session.working = false;
    } else if (session.state === 'active') {
      if (prng.chance(ODDS.resumeWork)) {
        session.working = true;
        session.lastInputAt = now;
      } else if (prng.chance(ODDS.clientDisconnects)) {
        session.state = 'disconnected';
        session.sessionName = null;
        session.disconnectedAt = now;
      }
    } else if (prng.chance(ODDS.reconnect)) {
      session.state = 'active';
      session.disconnectedAt = null;
      session.sessionName = nextRdpName(host);
      session.working = true;
      session.lastInputAt = now;
    } else if (prng.chance(ODDS.logsOffAlone)) {
      host.sessions.delete(session.id);
      sessionEnded(host, session);
    }
  }
  if (host.instance.role === 'session-host' && prng.chance(ODDS.newLogon)) {
    const sessions = [...host.sessions.values()];
    const present = new Set(sessions.map((s) => `${s.domain}\\${s.userName}`.toLowerCase()));
    const free = host.userPool.filter((u) => !present.has(u.toLowerCase()));
    if (sessions.filter((s) => !s.console).length < MAX_RDP_SESSIONS && free.length > 0) {
      putSession(host, {
        ...splitAccount(prng.pick(free)),
        id: lowestFreeSessionId(host),
        sessionName: nextRdpName(host),
        state: 'active',
        logonAt: now,
        lastInputAt: now,
        console: false,
        protected: false,
        live: true,
        working: true,
        idleNoticed: false,
      });
    }
  }
  for (const smb of host.smbSessions.values()) {
    if (smb.origin === null && prng.chance(ODDS.workstationRequest)) smb.lastRequestAt = now;
  }
}

const ACCOUNT = /^(?:[^\\\s]+\\)?[^\\\s]+$/;

function addSession(
  host: HostState,
  input: AddSessionInput,
  now: number,
  threshold: number
): number {
  const user = typeof input?.user === 'string' ? input.user : '';
  if (!ACCOUNT.test(user))
    throw new FleetError('invalid-input', 'user must be user or DOMAIN\\user');
  const state = input.state ?? 'active';
  if (state !== 'active' && state !== 'disconnected') {
    throw new FleetError(
      'invalid-input',
      `state must be active or disconnected, not ${String(state)}`
    );
  }
  const idle = input.idleMinutes ?? 0;
  const onFor = input.loggedOnMinutes ?? idle + 5;
  if (!isCount(idle) || !isCount(onFor) || onFor < idle) {
    throw new FleetError(
      'invalid-input',
      'idleMinutes and loggedOnMinutes are whole minutes ≥ 0, loggedOnMinutes ≥ idleMinutes'
    );
  }
  const away = input.disconnectedMinutes ?? idle;
  if (
    !isCount(away) ||
    away > idle ||
    (state === 'active' && input.disconnectedMinutes !== undefined)
  ) {
    throw new FleetError(
      'invalid-input',
      'disconnectedMinutes is whole minutes ≤ idleMinutes, for a disconnected session'
    );
  }
  const console = input.console ?? false;
  const id = input.sessionId ?? lowestFreeSessionId(host);
  if (!Number.isInteger(id) || id < 1 || id > 65535) {
    throw new FleetError('invalid-input', 'sessionId must be an integer from 1 to 65535');
  }
  if (host.sessions.has(id)) {
    throw new FleetError(
      'session-id-in-use',
      `Session ${id} is in use on ${host.instance.instanceId}`
    );
  }
  putSession(host, {
    ...splitAccount(user),
    id,
    // Disconnected, the console session is still the console's (WTS says so), but quser names it no more.
    sessionName: state !== 'active' ? null : console ? 'console' : nextRdpName(host),
    state,
    logonAt: now - onFor * MINUTE_MS,
    lastInputAt: now - idle * MINUTE_MS,
    disconnectedAt: now - away * MINUTE_MS,
    console,
    protected: input.protected ?? false,
    live: input.live ?? false,
    working: false,
    idleNoticed: idle >= threshold,
    hung: input.hung ?? false,
  });
  return id;
}

function validSmbInput(input: AddSmbSessionInput): SmbInput {
  const client = (
    typeof input?.clientComputerName === 'string' ? input.clientComputerName : ''
  ).replace(/^\\\\/, '');
  const user = typeof input?.user === 'string' ? input.user : '';
  if (client === '' || /\s/.test(client)) {
    throw new FleetError('invalid-input', 'clientComputerName must be a host name or address');
  }
  if (!ACCOUNT.test(user))
    throw new FleetError('invalid-input', 'user must be user or DOMAIN\\user');
  const secondsIdle = input.secondsIdle ?? 0;
  if (!isCount(secondsIdle)) throw new FleetError('invalid-input', 'secondsIdle must be ≥ 0');
  const { domain, userName } = splitAccount(user);
  return {
    clientComputerName: client,
    clientUserName: `${domain}\\${userName}`,
    secondsIdle,
    dialect: input.dialect ?? '3.1.1',
  };
}

function addOpenFile(host: HostState, input: AddOpenFileInput, now: number, ids: IdSource): string {
  const path = typeof input?.path === 'string' ? input.path : '';
  if (!/^[A-Za-z]:\\[^\r\n]*$/.test(path)) {
    throw new FleetError('invalid-input', 'path must be a server-local path like D:\\Shares\\x');
  }
  const locks = input.locks ?? 0;
  if (!isCount(locks)) throw new FleetError('invalid-input', 'locks must be a whole number ≥ 0');
  const permissions = input.permissions ?? READ_WRITE;
  if (!isCount(permissions) || permissions > 0xffff_ffff) {
    throw new FleetError('invalid-input', 'permissions must be a 32-bit access mask');
  }
  const fileId = input.fileId;
  if (fileId !== undefined && (!/^\d{1,20}$/.test(fileId) || BigInt(fileId) > UINT64_MAX)) {
    throw new FleetError('invalid-input', 'fileId must be a decimal uint64');
  }
  if (fileId !== undefined && ids.has(BigInt(fileId))) {
    throw new FleetError('invalid-input', `FileId ${fileId} is in use`);
  }
  let smb: SmbSessionState | undefined;
  if (input.smbSessionId !== undefined) {
    smb = /^\d{1,20}$/.test(input.smbSessionId)
      ? host.smbSessions.get(BigInt(input.smbSessionId))
      : undefined;
    if (!smb) {
      throw new FleetError(
        'unknown-smb-session',
        `No SMB session ${input.smbSessionId} on ${host.instance.instanceId}`
      );
    }
  } else {
    const wanted = validSmbInput({
      clientComputerName: input.clientComputerName ?? '',
      user: input.user ?? '',
    });
    smb =
      [...host.smbSessions.values()].find(
        (s) =>
          s.clientComputerName.toLowerCase() === wanted.clientComputerName.toLowerCase() &&
          s.clientUserName.toLowerCase() === wanted.clientUserName.toLowerCase()
      ) ?? createSmbSession(host, wanted, now, ids);
  }
  const id = fileId !== undefined ? ids.claim(BigInt(fileId)) : ids.next(FILE_ID_HIGH);
  host.openFiles.set(id, { id, smbSessionId: smb.id, path, locks, permissions });
  smb.lastRequestAt = now;
  return id.toString();
}

/** Ends an SMB session and, with it, every file it holds open. */
function closeSmbSessionState(host: HostState, id: bigint): void {
  host.smbSessions.delete(id);
  for (const [fileId, file] of host.openFiles) {
    if (file.smbSessionId === id) host.openFiles.delete(fileId);
  }
}

/** A session disconnected when it was put without a time stopped working then. */
function putSession(
  host: HostState,
  session: Omit<SessionState, 'disconnectedAt' | 'hung'> &
    Partial<Pick<SessionState, 'disconnectedAt' | 'hung'>>
): void {
  const disconnectedAt =
    session.state === 'disconnected' ? (session.disconnectedAt ?? session.lastInputAt) : null;
  host.sessions.set(session.id, { hung: false, ...session, disconnectedAt });
}

function nextRdpName(host: HostState): string {
  const name = `rdp-tcp#${host.nextRdpConnection}`;
  host.nextRdpConnection += 1;
  return name;
}

function sortedSessions(host: HostState): SessionState[] {
  return [...host.sessions.values()].sort((a, b) => a.id - b.id);
}

function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function copyInstance(instance: FleetInstance): FleetInstance {
  return { ...instance, tags: { ...instance.tags } };
}

function view(host: HostState, now: number): HostView {
  return {
    instance: copyInstance(host.instance),
    utcOffsetMinutes: host.utcOffsetMinutes,
    slowMs: host.slowMs,
    languageMode: host.languageMode,
    sessions: sortedSessions(host).map((s) => ({
      id: s.id,
      userName: s.userName,
      domain: s.domain,
      sessionName: s.sessionName,
      state: s.state,
      idleMinutes: s.console ? 0 : idleMinutes(s, now),
      logonTime: iso(s.logonAt),
      console: s.console,
      protected: s.protected,
    })),
    smbSessions: [...host.smbSessions.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((s) => ({
        sessionId: s.id.toString(),
        clientComputerName: s.clientComputerName,
        clientUserName: s.clientUserName,
        numOpens: openCount(host, s.id),
        secondsIdle: Math.max(0, Math.floor((now - s.lastRequestAt) / 1000)),
        secondsExists: Math.max(0, Math.floor((now - s.createdAt) / 1000)),
        dialect: s.dialect,
      })),
    openFiles: [...host.openFiles.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((f) => {
        const smb = host.smbSessions.get(f.smbSessionId);
        return {
          fileId: f.id.toString(),
          sessionId: f.smbSessionId.toString(),
          path: f.path,
          shareRelativePath: shareRelativePath(f.path),
          clientComputerName: smb?.clientComputerName ?? '',
          clientUserName: smb?.clientUserName ?? '',
          locks: f.locks,
          permissions: f.permissions,
        };
      }),
    notifications: host.notifications.map((n) => ({
      sessionId: n.sessionId,
      userName: n.userName,
      message: n.message,
      seconds: n.seconds,
      sentAt: iso(n.sentAt),
    })),
  };
}
