import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, sqs, startHarness } from './harness.js';

/*
 * The sweep record costs one write per host, whatever the host's listing brings (sends, nothing
 * to do), and counts every host once however often, or however concurrently, its listing's status
 * event is delivered.
 */
describe('the sweep record', () => {
  let h: Harness;
  let withSends: string;
  let idleFree: string;
  const sweepWrites: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      policy: { version: 1, default: { logoffDisconnectedMinutes: 5000 } },
    });
    withSends = h.instance(0);
    idleFree = h.instance(1);
    // Only the console and the sessions added here: nothing else is past the policy.
    for (const host of [withSends, idleFree]) {
      for (const session of h.fleet.host(host).sessions) {
        if (!session.console) h.fleet.logOff(host, session.id);
      }
    }
    for (const user of ['CORP\\gone.one', 'CORP\\gone.two']) {
      h.fleet.addSession(withSends, { user, state: 'disconnected', idleMinutes: 6000 });
    }
    h.fleet.addSession(idleFree, { user: 'CORP\\still.here', idleMinutes: 5 });
    h.runtime.clients.ddb.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { pk?: string }; Item?: { pk?: string } };
        const pk = input.Key?.pk ?? input.Item?.pk ?? '';
        const write = /^(Put|Update|Delete)Item/.test(context.commandName ?? '');
        if (write && pk.startsWith('SWEEP#')) sweepWrites.push(`${context.commandName} ${pk}`);
        return next(args);
      },
      { step: 'initialize', name: 'countSweepWrites' }
    );
  });
  afterAll(() => h.close());

  it('takes one write per host and counts each host once when its listing comes again', async () => {
    const sessions = [withSends, idleFree].reduce(
      (n, host) => n + h.fleet.host(host).sessions.length,
      0
    );
    const { sweepId, commandIds } = (await h.sweepAt(h.fleet.now())) as {
      sweepId: string;
      commandIds: string[];
    };
    await h.settle();
    const sweep = await h.runtime.ledger.getSweep(sweepId);
    const hosts = sweep?.counters.hostsAsked ?? 0;
    expect(hosts).toBe(2);
    expect((await h.actionsOf(withSends)).filter((a) => a.status === 'succeeded')).toHaveLength(2);
    expect(sweep?.counters).toMatchObject({ sessionsSeen: sessions, actionsPlanned: 2, errors: 0 });
    // The sweep's record and its claim of the hosts, then one per host.
    expect(sweepWrites).toHaveLength(2 + hosts);

    const listings = h.delivered.filter((body) => {
      const detail = (JSON.parse(body) as { detail: Record<string, string> }).detail;
      return (
        commandIds.includes(detail['command-id'] ?? '') &&
        detail['instance-id'] !== undefined &&
        detail.status === 'Success'
      );
    });
    expect(listings).toHaveLength(hosts);
    const again = await Promise.all([h.status(sqs(listings)), h.status(sqs(listings))]);
    await h.settle();

    expect(again.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect((await h.runtime.ledger.getSweep(sweepId))?.counters).toEqual(sweep?.counters);
  });
});
