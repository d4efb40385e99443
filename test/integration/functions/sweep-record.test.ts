import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSweep } from '../../../lib/api/fleet.js';
import { type Harness, sqs, startHarness } from './harness.js';

/*
 * The sweep record costs a batch of status records a write or two, not one per host: where the
 * fleet limit cannot be reached, the hosts with sends count on their own actions' records (no
 * write); where it can, one claim on the fleet budget for every host of the batch with sends (which
 * counts them too). One write per listing command for the hosts with nothing to send. It counts
 * every host once however often, or however concurrently, its listing's status event is delivered.
 */

interface Swept {
  h: Harness;
  withSends: string[];
  idleFree: string[];
  sweepWrites: string[];
}

/** Eight hosts of at most 5 actions each (40 at most): three with two sends, the rest with none. */
async function sweptFleet(maxActionsPerSweep: number): Promise<Swept> {
  const h = await startHarness({
    policy: {
      version: 1,
      fleet: { maxActionsPerSweep },
      default: { logoffDisconnectedMinutes: 5000, maxActionsPerHost: 5 },
    },
    fleet: { hosts: 8 },
    queue: false,
  });
  const swept = h.fleet
    .instances()
    .filter((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true')
    .map((i) => i.instanceId);
  const withSends = swept.slice(0, 3);
  const idleFree = swept.slice(3);
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
  const sweepWrites: string[] = [];
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
  return { h, withSends, idleFree, sweepWrites };
}

/** Sweeps: the listings' status events (not yet handled) and what the record should then say. */
async function sweepOnce({ h, withSends, idleFree }: Swept) {
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
  const expected = {
    asked: { hosts: swept.length },
    seen: { sessions, errors: 0 },
    planned: 2 * withSends.length,
  };
  return { sweepId, listings, isListing, expected };
}

/** Every host with sends has its two actions succeeded, each sent once; the others none. */
async function expectActedOnce(
  { h, withSends, idleFree }: Swept,
  isListing: (b: string) => boolean
) {
  await h.ssm.idle();
  const results = h.delivered.filter((body) => !isListing(body));
  expect((await h.status(sqs(results))).batchItemFailures).toEqual([]);
  for (const host of withSends) {
    const actions = await h.actionsOf(host);
    expect(actions.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
  }
  for (const host of idleFree) expect(await h.actionsOf(host)).toEqual([]);
  const sent = h.ssm.commands().filter((c) => c.comment.startsWith('sj:act:'));
  expect(sent).toHaveLength(2 * withSends.length);
  expect(new Set(sent.map((c) => c.comment)).size).toBe(sent.length);
}

describe.each([
  { limit: 'cannot be reached', maxActionsPerSweep: 50, batchWrites: 1 },
  { limit: 'can be reached', maxActionsPerSweep: 20, batchWrites: 2 },
])('the sweep record, where the fleet limit $limit', ({ maxActionsPerSweep, batchWrites }) => {
  let fleet: Swept;
  beforeAll(async () => {
    fleet = await sweptFleet(maxActionsPerSweep);
  });
  afterAll(() => fleet.h.close());

  it(`takes ${batchWrites} write(s) for a batch of hosts and counts each host once when its listing comes again`, async () => {
    const { h, sweepWrites } = fleet;
    const { sweepId, listings, isListing, expected } = await sweepOnce(fleet);
    // The sweep's listing entry, its record, its claim of the hosts and its groups.
    expect(sweepWrites).toHaveLength(4);

    expect((await h.status(sqs(listings))).batchItemFailures).toEqual([]);
    const sweep = await getSweep({ ledger: h.runtime.ledger }, sweepId);
    expect(sweep).toMatchObject(expected);
    // A claim for the three hosts with sends unless their allowance counted them, one write for
    // the hosts with nothing to send.
    expect(sweepWrites).toHaveLength(4 + batchWrites);

    const again = await Promise.all([h.status(sqs(listings)), h.status(sqs(listings))]);
    expect(again.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await getSweep({ ledger: h.runtime.ledger }, sweepId)).toEqual(sweep);
    await expectActedOnce(fleet, isListing);
  });
});

describe('a sweep record whose listings are first delivered twice at once', () => {
  let fleet: Swept;
  beforeAll(async () => {
    fleet = await sweptFleet(50);
  });
  afterAll(() => fleet.h.close());

  it('counts each host and each action once, within the allowance or claimed', async () => {
    const { h } = fleet;
    const { sweepId, listings, isListing, expected } = await sweepOnce(fleet);
    const batches = [sqs(listings), sqs([...listings].reverse())];
    let failed = (await Promise.all(batches.map((b) => h.status(b)))).flatMap(
      (r) => r.batchItemFailures
    );
    // A delivery that met the other's send in flight hands its record back (it holds no lease):
    // SQS delivers it again, as here, until nothing is left.
    for (let round = 0; failed.length > 0 && round < 5; round++) {
      const ids = new Set(failed.map((f) => f.itemIdentifier));
      const again = batches.flatMap((b) => b.Records).filter((r) => ids.has(r.messageId));
      failed = (await h.status(sqs(again.map((r) => r.body)))).batchItemFailures;
    }
    expect(failed).toEqual([]);
    expect(await getSweep({ ledger: h.runtime.ledger }, sweepId)).toMatchObject(expected);
    await expectActedOnce(fleet, isListing);
  });
});
