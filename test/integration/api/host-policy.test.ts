import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSessionPolicy } from '../../../lib/api/queries.js';
import { type ApiHarness, sample, startApiHarness, withPath } from './harness.js';

let h: ApiHarness;

beforeAll(async () => {
  const policy = JSON.parse(await readFile('local/demo-policy.json', 'utf8'));
  h = await startApiHarness({ policy });
});
afterAll(() => h.close());

const sessionsOf = (instanceId: string) =>
  withPath(sample('get-host-sessions'), `/v1/hosts/${instanceId}/sessions`, { instanceId });

describe("GET /v1/hosts/{instanceId}/sessions: the host's policy", () => {
  it("names the host's group, its thresholds, the console and the excluded users", async () => {
    const instanceId = h.hostId('RDSH-DE-01');
    const response = await h.invoke(sessionsOf(instanceId));
    expect(response.statusCode).toBe(200);
    const policy = response.body.policy as HostSessionPolicy;
    // The demo policy's strict group over its default group, field by field.
    expect(policy).toMatchObject({
      group: 'strict',
      disconnectIdleMinutes: 5,
      logoffIdleMinutes: 20,
      logoffDisconnectedMinutes: 15,
      warnMinutesBefore: 5,
      dryRun: false,
    });
    const sessions = response.body.sessions as { id: number; userName: string }[];
    expect(policy.sessions.map((s) => s.id)).toEqual(sessions.map((s) => s.id));
    const byUser = new Map(
      sessions.map((s) => [s.userName, policy.sessions.find((p) => p.id === s.id)])
    );
    expect(byUser.get('Administrator')).toMatchObject({
      console: true,
      excludedBy: 'Administrator',
    });
    expect(byUser.get('svc_backup')).toMatchObject({ console: false, excludedBy: 'svc_*' });
    const fleetHost = h.fleet.host(instanceId);
    for (const session of fleetHost.sessions.filter(
      (s) => !/svc_|Administrator/.test(s.userName)
    )) {
      expect(policy.sessions.find((p) => p.id === session.id)?.excludedBy).toBeNull();
    }
    // A disconnected session carries the host's WTS disconnect time where the host has one.
    for (const entry of policy.sessions) {
      if (entry.disconnectedSince !== null)
        expect(Date.parse(entry.disconnectedSince)).not.toBeNaN();
    }
  });

  it('gives a host without a named group the default group', async () => {
    const response = await h.invoke(sessionsOf(h.hostId('RDSH-US-01')));
    expect(response.body.policy).toMatchObject({
      group: 'default',
      disconnectIdleMinutes: 5,
      logoffIdleMinutes: null,
      warnMinutesBefore: null,
    });
  });
});
