import {
  type HostState,
  idleMinutes,
  openCount,
  shareRelativePath,
  sortedSessions,
} from './host-state.js';
import { sortedShells } from './shells.js';
import type { FleetInstance, HostView } from './types.js';

/** What the fleet shows of a host: copies, never its live state. */

export function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function copyInstance(instance: FleetInstance): FleetInstance {
  return { ...instance, tags: { ...instance.tags } };
}

export function view(host: HostState, now: number): HostView {
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
    shells: sortedShells(host).map((s) => ({
      shellId: s.id,
      kind: s.kind,
      owner: s.owner,
      clientIp: s.clientIp,
      processId: s.processId,
      state: s.state,
      bufferMode: s.bufferMode,
      inactiveMinutes: Math.max(0, Math.floor((now - s.lastActivityAt) / 60_000)),
      childProcesses: s.childProcesses,
    })),
  };
}
