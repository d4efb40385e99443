import { describe, expect, it } from 'vitest';
import { parseQuser } from '../../../lib/windows/quser.js';
import { parseSmbOpenFiles, parseSmbSessions } from '../../../lib/windows/smb-json.js';
import type { OpenFile } from '../../../lib/windows/types.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import { HOST_CULTURES, hostLocale } from '../../../local/fleet/locales.js';
import type { HostSessionView } from '../../../local/fleet/types.js';
import { call } from './fleet-helpers.js';

/**
 * The fleet's printers and `lib/windows` parsers are independent implementations of the same
 * Windows formats: what one prints the other must read back.
 */

const hostLocal = (iso: string, offset: number) =>
  new Date(Date.parse(iso) + offset * 60_000).toISOString().slice(0, 16);

describe('fleet output read back by the lib/windows parsers', () => {
  const fleet = createFleet({ seed: 21, liveSessions: false, durationScale: 0 });
  const online = fleet.instances().filter((i) => i.pingStatus === 'Online');
  const sessionHosts = online.filter((i) => i.role === 'session-host');
  for (const host of sessionHosts) {
    fleet.addSession(host.instanceId, { user: 'idle.dot', idleMinutes: 0 });
    fleet.addSession(host.instanceId, { user: 'idle.hours', idleMinutes: 125 });
    fleet.addSession(host.instanceId, {
      user: 'a.rather.long.user.name.x',
      state: 'disconnected',
      idleMinutes: 3 * 1440 + 75,
      loggedOnMinutes: 5 * 1440,
    });
  }

  it.each(sessionHosts.map((h) => [h.locale, h.computerName, h.instanceId]))(
    'reads every %s session of %s back from quser',
    async (_locale, _name, instanceId) => {
      const { envelope } = await call(fleet, instanceId, { Operation: 'ListSessions' });
      const parsed = parseQuser(envelope.stdout, envelope);
      expect(parsed.error).toBeNull();
      expect(parsed.warnings).toEqual([]);
      const expected = fleet.host(instanceId).sessions.map((s: HostSessionView) => ({
        userName: s.userName,
        sessionName: s.sessionName,
        id: s.id,
        state: s.state,
        idleMinutes: s.idleMinutes,
        logonTime: hostLocal(s.logonTime, envelope.utcOffsetMinutes),
        current: false,
      }));
      expect(parsed.rows.map(({ logonTimeRaw: _raw, ...row }) => row)).toEqual(expected);
    }
  );

  it.each(HOST_CULTURES)(
    'reads the %s "No User exists for *" stderr as an empty list',
    (culture) => {
      const locale = hostLocale(culture);
      const parsed = parseQuser(`${locale.noUserExists('*')}\r\n`, { culture });
      expect(parsed.rows).toEqual([]);
      expect(parsed.error).toBeNull();
    }
  );

  it('reads SMB sessions and open files back from ConvertTo-Json', async () => {
    for (const server of online.filter((i) => i.role === 'file-server')) {
      const view = fleet.host(server.instanceId);
      const sessions = await call(fleet, server.instanceId, { Operation: 'ListSmbSessions' });
      expect(parseSmbSessions(sessions.envelope.stdout).rows).toEqual(
        view.smbSessions.map((s) =>
          expect.objectContaining({
            client: s.clientComputerName,
            userName: s.clientUserName,
            opens: s.numOpens,
            idleSeconds: s.secondsIdle,
          })
        )
      );
      // Page after page (the busy FS-US-01 needs many), each whole, in file id order.
      const rows: OpenFile[] = [];
      let after: string | undefined;
      do {
        const page = await call(fleet, server.instanceId, {
          Operation: 'ListOpenFiles',
          ...(after === undefined ? {} : { AfterFileId: after }),
        });
        expect(page.envelope.stdoutTruncated).toBe(false);
        rows.push(...parseSmbOpenFiles(page.envelope.stdout).rows);
        after = page.envelope.next?.afterFileId;
      } while (after !== undefined);
      const byId = (a: { fileId: string }, b: { fileId: string }) =>
        BigInt(a.fileId) < BigInt(b.fileId) ? -1 : 1;
      expect(rows).toEqual(
        [...view.openFiles]
          .sort(byId)
          .map((f) => expect.objectContaining({ id: f.fileId, path: f.path, locks: f.locks }))
      );
    }
  });
});
