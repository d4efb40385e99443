import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, sqs, startHarness } from './harness.js';

/*
 * The sweep record costs a batch of status records a write or two, not one per host: one claim on
 * the fleet budget for every host of the batch with sends (which counts them too), one write per
 * listing command for the hosts with nothing to send. It counts every host once however often, or
 * however concurrently, its listing's status event is delivered.
 */
describe('the sweep record', () => {
  let h: Harness;
  let withSends: string[];
  let idleFree: string[];
  const sweepWrites: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      policy: { version: 1, default: { logoffDisconnectedMinutes: 5000 } },
      fleet: { hosts: 8 },
      queue: false,
    });
    const swept = h.fleet
      .instances()
      .filter((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true')
      .map((i) => i.instanceId);
    withSends = swept.slice(0, 3);
    idleFree = swept.slice(3);
    // Only the console and the sessions added here: nothing else is past the policy.
    for (const host of swept) {
      for (const session of h.fleet.host(host).sessions) {
        if (!session.console) h.fleet.logOff(host, session.id);
      }
    }
    for (const host of withSends) {
      for (const user of ['CORP\\gone.one', 'CORP\\gone.two']) {
        h.fleet.addSession(host, { user, state: 'disconnected', idleMinutes: 6000 });
      }
    }
    for (const host of idleFree) {
      h.fleet.addSession(host, { user: 'CORP\\still.here', idleMinutes: 5 });
    }
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

  it('takes two writes for a batch of hosts and counts each host once when its listing comes again', async () => {
    const swept = [...withSends, ...idleFree];
    expect(withSends).toHaveLength(3);
    expect(idleFree.length).toBeGreaterThan(1);
    const sessions = swept.reduce((n, host) => n + h.fleet.host(host).sessions.length, 0);
    const { sweepId, commandIds } = (await h.sweepAt(h.fleet.now())) as {
      sweepId: string;
      commandIds: string[];
    };
    await h.ssm.idle();
    const isListing = (body: string) => {
      const detail = (JSON.parse(body) as { detail: Record<string, string> }).detail;
      return (
        commandIds.includes(detail['command-id'] ?? '') &&
        detail['instance-id'] !== undefined &&
        detail.status === 'Success'
      );
    };
    const listings = h.delivered.filter(isListing);
    expect(listings).toHaveLength(swept.length);
    // The sweep's listing entry, its record, its claim of the hosts and its groups.
    expect(sweepWrites).toHaveLength(4);

    expect((await h.status(sqs(listings))).batchItemFailures).toEqual([]);
    const sweep = await h.runtime.ledger.getSweep(sweepId);
    expect(sweep?.counters).toEqual({
      hostsAsked: swept.length,
      sessionsSeen: sessions,
      actionsPlanned: 2 * withSends.length,
      errors: 0,
    });
    // One claim for the three hosts with sends, one write for the hosts with nothing to send.
    expect(sweepWrites).toHaveLength(6);

    const again = await Promise.all([h.status(sqs(listings)), h.status(sqs(listings))]);
    expect(again.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect((await h.runtime.ledger.getSweep(sweepId))?.counters).toEqual(sweep?.counters);

    await h.ssm.idle();
    const results = h.delivered.filter((body) => !isListing(body));
    expect((await h.status(sqs(results))).batchItemFailures).toEqual([]);
    for (const host of withSends) {
      const actions = await h.actionsOf(host);
      expect(actions.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
    }
    for (const host of idleFree) expect(await h.actionsOf(host)).toEqual([]);
  });
});
