import type { HostOperation, HostParameters } from '../../lib/ssm/host-contract.js';
import { blueprints } from './default-fleet.js';
import { FleetError } from './errors.js';
import { addOpenFile, addSession, validSmbInput } from './host-input.js';
import {
  type HostState,
  idleMinutes,
  MINUTE_MS,
  type SessionState,
  type SmbSessionState,
  sortedSessions,
} from './host-state.js';
import { IdSource } from './ids.js';
import { standInScript } from './operations.js';
import {
  buildHost,
  closeSmbSessionState,
  createSmbSession,
  liveMinute,
  populateBusyFileServer,
  populateFileServer,
  populateSessionHost,
} from './population.js';
import { createPrng } from './prng.js';
import { addShell, populateShells, reconnect, shellMinute } from './shells.js';
import type { HostScript, ScriptRun, SessionIdleNotice, SimulatedFleet } from './types.js';
import { copyInstance, iso, view } from './views.js';
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
  ListShells: 150,
  EndShell: 120,
};

/** Room for the sweep benchmark's largest fleet (`bench/sweep.bench.ts`: 10,000 swept hosts). */
export const MAX_FLEET_HOSTS = 10_100;
const MAX_ADVANCE_MINUTES = 366 * 1440;

export function createFleet(options: CreateFleetOptions = {}): SimulatedFleet {
  const seed = options.seed ?? 1;
  const hostCount = options.hosts ?? 12;
  const start = options.start ?? DEFAULT_FLEET_START;
  const durationScale = options.durationScale ?? 1;
  const script = options.hostScript ?? standInScript;
  if (!Number.isInteger(seed)) throw new FleetError('invalid-input', 'seed must be an integer');
  if (!Number.isInteger(hostCount) || hostCount < 0 || hostCount > MAX_FLEET_HOSTS) {
    throw new FleetError('invalid-input', `hosts must be an integer from 0 to ${MAX_FLEET_HOSTS}`);
  }
  if (Number.isNaN(start.getTime())) throw new FleetError('invalid-input', 'start is not a date');
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

  const tagKeys = {
    managedTagKey: options.managedTagKey ?? DEFAULT_MANAGED_TAG_KEY,
    groupTagKey: options.groupTagKey ?? DEFAULT_GROUP_TAG_KEY,
  };
  const plans = blueprints(hostCount).map((blueprint, index) => {
    let host = buildHost(blueprint, index, prng, tagKeys);
    while (hosts.has(host.instance.instanceId)) host = buildHost(blueprint, index, prng, tagKeys);
    hosts.set(host.instance.instanceId, host);
    return { host, blueprint };
  });
  for (const { host, blueprint } of plans) {
    if (blueprint.role === 'session-host') {
      populateSessionHost(host, blueprint, now, prng);
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

  // Shells draw from a stream of their own too: the sessions and files stay as they were.
  const shellPrng = createPrng(seed ^ 0x05e11);
  for (const host of sessionHosts) populateShells(host, now, shellPrng);

  // Only file servers hold SMB sessions that an RDP session opened (populateFileServer): a logoff
  // looks there, not through every host of the fleet (that made a sweep's logoffs O(n²)).
  const originServers = [...hosts.values()].filter((h) => h.instance.role === 'file-server');
  const sessionEnded = (origin: HostState, session: SessionState): void => {
    for (const server of originServers) {
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

  /** The watcher's notice of a disconnect Windows logged as `record` on `host`. */
  const watcherNotice = (
    host: HostState,
    session: SessionState,
    record: { eventId: 24 } | { eventId: 40; reasonCode: number }
  ): SessionIdleNotice => {
    const recordId = host.nextRecordId;
    // Windows logs 40 (with its reason) and 24 for an idle time-out: two records.
    host.nextRecordId += record.eventId === 40 ? 2 : 1;
    return {
      instanceId: host.instance.instanceId,
      sessionId: session.id,
      userName: `${session.domain}\\${session.userName}`,
      state: 'disconnected',
      idleMinutes: 0,
      logonTime: null,
      observedAt: iso(now),
      windowsEvent: { ...record, recordId },
    };
  };

  const step = (notices: SessionIdleNotice[]): void => {
    now += MINUTE_MS;
    for (const host of hosts.values()) {
      const clientDisconnected = (h: HostState, session: SessionState) =>
        notices.push(watcherNotice(h, session, { eventId: 24 }));
      if (live) liveMinute(host, now, prng, sessionEnded, clientDisconnected);
      for (const smb of host.smbSessions.values()) if (originWorking(smb)) smb.lastRequestAt = now;
      shellMinute(host, now, shellPrng, live);
      for (const session of sortedSessions(host)) {
        if (session.console) continue;
        const idle = idleMinutes(session, now);
        const limit = host.idleLimitMinutes;
        if (limit !== null && session.state === 'active' && idle >= limit) {
          // MaxIdleTime: the session stays, disconnected (the RDS default without "end session").
          session.state = 'disconnected';
          session.sessionName = null;
          session.disconnectedAt = now;
          session.working = false;
          notices.push(watcherNotice(host, session, { eventId: 40, reasonCode: 3 }));
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
    addSession: (instanceId, input) => addSession(getHost(instanceId), input, now),
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
    addShell: (instanceId, input) => addShell(getHost(instanceId), input, now, shellPrng).id,
    setWinRmRunning: (instanceId, running) => {
      getHost(instanceId).winrmRunning = running;
    },
    setShellState: (instanceId, shellId, state) => {
      const shell = getHost(instanceId).shells.get(shellId);
      if (!shell || (state !== 'Connected' && state !== 'Disconnected')) {
        throw new FleetError(
          'invalid-input',
          `no shell ${shellId} on ${instanceId}, or no state ${String(state)}`
        );
      }
      if (state === 'Connected') reconnect(shell, now);
      else {
        shell.state = 'Disconnected';
        shell.clientActive = false;
      }
    },
    setIdleLimit: (instanceId, minutes) => {
      const host = getHost(instanceId);
      if (minutes !== null && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 71_582)) {
        throw new FleetError('invalid-input', 'setIdleLimit takes whole minutes (1-71582) or null');
      }
      host.idleLimitMinutes = minutes;
    },
    onSessionIdle: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
