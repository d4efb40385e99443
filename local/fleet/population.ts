import {
  BUSY_FILE_SERVER,
  type HostBlueprint,
  LONG_USER_NAME,
  PROTECTED_ACCOUNT,
  SHARE_PATHS,
  USER_POOLS,
} from './default-fleet.js';
import {
  type HostState,
  lowestFreeSessionId,
  MINUTE_MS,
  type SessionState,
  type SmbOrigin,
  type SmbSessionState,
  sortedSessions,
  splitAccount,
} from './host-state.js';
import { FILE_ID_HIGH, type IdSource, SMB_SESSION_ID_HIGH } from './ids.js';
import { hostLocale } from './locales.js';
import type { Prng } from './prng.js';

/**
 * Who is on the hosts: the fleet as created from its blueprints, how its users live each
 * simulated minute, and the edits that put sessions and files on a host and take them off.
 */

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

/** FILE_GENERIC_READ (0x120089) and read/write (0x12019F) handles, as SmbShare reports them. */
const READ = 1_179_785;
export const READ_WRITE = 1_180_063;
const PERMISSIONS = [READ, READ_WRITE] as const;

export interface FleetTagKeys {
  managedTagKey: string;
  groupTagKey: string;
}

export function buildHost(
  blueprint: HostBlueprint,
  index: number,
  prng: Prng,
  tagKeys: FleetTagKeys
): HostState {
  const locale = hostLocale(blueprint.culture);
  const subnet = blueprint.role === 'file-server' ? 2 : 1;
  const tags: Record<string, string> = { Name: blueprint.computerName };
  if (blueprint.managed) tags[tagKeys.managedTagKey] = 'true';
  tags[tagKeys.groupTagKey] = blueprint.group;
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
    shells: new Map(),
    winrmRunning: true,
    nextRdpConnection: prng.int(0, 30),
    userPool: [
      ...(USER_POOLS[blueprint.culture] ?? []),
      ...(blueprint.longUserName ? [LONG_USER_NAME] : []),
    ].map((u) => `CORP\\${u}`),
    idleLimitMinutes: null,
    // A host's log has been written to for a while: its records do not start at 1.
    nextRecordId: 40_000 + index * 17,
  };
}

export function populateSessionHost(
  host: HostState,
  blueprint: HostBlueprint,
  now: number,
  prng: Prng
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
    });
  }
}

export function populateFileServer(
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
export function populateBusyFileServer(
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

export interface SmbInput {
  clientComputerName: string;
  clientUserName: string;
  secondsIdle: number;
  dialect: string;
}

export function createSmbSession(
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
export function liveMinute(
  host: HostState,
  now: number,
  prng: Prng,
  sessionEnded: (host: HostState, session: SessionState) => void,
  /** The client went away: Windows logs event 24 for the session. */
  clientDisconnected: (host: HostState, session: SessionState) => void
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
        clientDisconnected(host, session);
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
      });
    }
  }
  for (const smb of host.smbSessions.values()) {
    if (smb.origin === null && prng.chance(ODDS.workstationRequest)) smb.lastRequestAt = now;
  }
}

/** Ends an SMB session and, with it, every file it holds open. */
export function closeSmbSessionState(host: HostState, id: bigint): void {
  host.smbSessions.delete(id);
  for (const [fileId, file] of host.openFiles) {
    if (file.smbSessionId === id) host.openFiles.delete(fileId);
  }
}

/** A session disconnected when it was put without a time stopped working then. */
export function putSession(
  host: HostState,
  session: Omit<SessionState, 'disconnectedAt' | 'hung'> &
    Partial<Pick<SessionState, 'disconnectedAt' | 'hung'>>
): void {
  const disconnectedAt =
    session.state === 'disconnected' ? (session.disconnectedAt ?? session.lastInputAt) : null;
  host.sessions.set(session.id, { hung: false, ...session, disconnectedAt });
}

export function nextRdpName(host: HostState): string {
  const name = `rdp-tcp#${host.nextRdpConnection}`;
  host.nextRdpConnection += 1;
  return name;
}

function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
