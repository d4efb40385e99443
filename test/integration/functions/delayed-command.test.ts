import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { type Harness, startHarness } from './harness.js';

/*
 * Issue 11.2, the zoe scenario: a logoff planned for a disconnected session waits undelivered while
 * the host's agent is offline; the user logs off and on again and gets the same session id; the
 * agent comes back within the delivery timeout. The host must refuse it (another logon), and the
 * action must end with the guard's code, not as succeeded.
 */

const policy = {
  version: 1,
  default: { logoffDisconnectedMinutes: 15, maxActionsPerHost: 20 },
};

describe('a session action delayed by an offline agent', () => {
  let h: Harness;
  let host: string;

  beforeAll(async () => {
    // 20 ms per SSM second: the 60 s delivery timeout of a session action is 1.2 s of real time.
    h = await startHarness({ policy, msPerSecond: 20, fleet: { hosts: 1 } });
    host = h.instance(0);
  });
  afterAll(() => h.close());

  it('is refused with logon-mismatch when the same user logged on again into the same session id', async () => {
    const sessionId = h.fleet.addSession(host, {
      user: 'CORP\\zoe',
      state: 'disconnected',
      idleMinutes: 78,
      disconnectedMinutes: 40,
      loggedOnMinutes: 180,
    });
    // The agent drops off once the host has listed its sessions: the plan's commands wait.
    const stop = h.ssm.subscribe((event) => {
      if (event['detail-type'] !== 'EC2 Command Invocation Status-change Notification') return;
      if (
        event.detail.status === 'Success' &&
        h.fleet.host(host).instance.pingStatus === 'Online'
      ) {
        const command = h.ssm.commands().find((c) => c.commandId === event.detail['command-id']);
        if (command?.parameters.Operation?.[0] === 'ListSessions') {
          h.fleet.setPingStatus(host, 'ConnectionLost');
        }
      }
    });
    await h.sweepAt(h.fleet.now());
    const logoff = await waitFor(() =>
      h.ssm
        .commands()
        .find(
          (c) =>
            c.parameters.Operation?.[0] === 'LogoffSession' &&
            c.parameters.SessionId?.[0] === String(sessionId)
        )
    );
    stop();
    expect(logoff.timeoutSeconds).toBe(60);
    expect(logoff.parameters).toMatchObject({
      ExpectedUser: ['zoe'],
      ExpectedLogonTime: [expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/)],
      ExpectedState: ['disconnected'],
      MinDisconnectedMinutes: ['15'],
    });
    // zoe logs off and on again: Windows gives her the lowest free id, hers.
    h.fleet.logOff(host, sessionId);
    expect(h.fleet.addSession(host, { user: 'CORP\\zoe', loggedOnMinutes: 1 })).toBe(sessionId);
    h.fleet.setPingStatus(host, 'Online');
    await h.settle();

    const zoe = (await h.actionsOf(host)).find(
      (a: Action) => a.target.kind === 'session' && a.target.expectedUser === 'zoe'
    );
    expect(zoe).toMatchObject({
      operation: 'logoff',
      status: 'skipped',
      commandId: logoff.commandId,
      result: { exitCode: 26, errorCode: 'guard:logon-mismatch' },
    });
    expect(zoe?.result?.excerpt).toMatch(/^Session \d+ is a logon of .+, not the expected one of /);
    expect(h.fleet.host(host).sessions.find((s) => s.id === sessionId)).toMatchObject({
      userName: 'zoe',
      state: 'active',
    });
  });
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
