import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

/*
 * A host whose WDAC or AppLocker policy runs scripts in PowerShell's ConstrainedLanguage mode can
 * list its sessions but cannot act on one (the script answers exit 26: its guards need Add-Type).
 * Sweeps must not send it an action that is bound to fail, sweep after sweep, until a listing
 * says the mode has changed.
 */
describe('a host in ConstrainedLanguage mode', () => {
  let h: Harness;
  let host: string;

  beforeAll(async () => {
    h = await startHarness({
      policy: { version: 1, default: { disconnectIdleMinutes: 60, maxActionsPerHost: 20 } },
    });
    host = h.instance(0);
  });
  afterAll(() => h.close());

  const actionsSent = () =>
    h.ssm
      .commands()
      .filter(
        (c) => c.instanceIds.includes(host) && c.parameters.Operation?.[0] !== 'ListSessions'
      );

  async function sweep() {
    h.fleet.advance(15);
    await h.sweepAt(h.fleet.now());
    await h.settle();
  }

  it('gets no session action while its listings say so, and its due action once they do not', async () => {
    h.fleet.setLanguageMode(host, 'ConstrainedLanguage');
    const sessionId = h.fleet.addSession(host, {
      user: 'CORP\\clm.idle',
      idleMinutes: 90,
      loggedOnMinutes: 200,
    });

    await sweep();
    await sweep();

    expect(actionsSent()).toEqual([]);
    const state = () => h.fleet.host(host).sessions.find((s) => s.id === sessionId)?.state;
    expect(state()).toBe('active');

    h.fleet.setLanguageMode(host, 'FullLanguage');
    await sweep();

    expect(state()).toBe('disconnected');
    const done = (await h.actionsOf(host)).filter(
      (a) => a.target.kind === 'session' && a.target.sessionId === sessionId
    );
    expect(done.map((a) => [a.operation, a.status])).toEqual([['disconnect', 'succeeded']]);
  });
});
