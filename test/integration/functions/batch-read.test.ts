import type { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, sqs, startHarness } from './harness.js';

const policy = {
  version: 1,
  default: { disconnectIdleMinutes: 60, exclude: { users: ['svc_*'] }, maxActionsPerHost: 20 },
};

/** SSM calls by operation, as the functions' client sends them. */
function countCalls(ssm: SSMClient): Record<string, number> {
  const calls: Record<string, number> = {};
  ssm.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? '').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' }
  );
  return calls;
}

const isListing = (body: string, commandId: string) => body.includes(`"command-id":"${commandId}"`);

describe('command-status reads a batch per command', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ policy, fleet: { hosts: 6 }, queue: false });
  });
  afterEach(() => h.close());

  /** Sweeps, waits for the listings and hands their events to command-status as one batch. */
  async function sweepInOneBatch() {
    const { commandIds } = (await h.sweepAt(h.fleet.now())) as { commandIds: string[] };
    await h.ssm.idle();
    const bodies = h.delivered.filter((body) => commandIds.some((id) => isListing(body, id)));
    return { commandIds, bodies };
  }

  it('reads the listings of a many-host command with one ListCommandInvocations', async () => {
    const hosts = [0, 1, 2, 3].map((i) => h.instance(i));
    for (const host of hosts) {
      h.fleet.addSession(host, { user: 'CORP\\zed.idle', idleMinutes: 90, loggedOnMinutes: 200 });
    }
    const { commandIds, bodies } = await sweepInOneBatch();
    const calls = countCalls(h.runtime.clients.ssm);

    const response = await h.status(sqs(bodies));

    expect(response.batchItemFailures).toEqual([]);
    expect(calls.ListCommandInvocations).toBe(commandIds.length);
    expect(calls.GetCommandInvocation).toBeUndefined();
    for (const host of hosts) {
      const zed = (await h.actionsOf(host)).find(
        (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith('zed.idle')
      );
      expect(zed).toMatchObject({ operation: 'disconnect', status: 'dispatched' });
    }
  });

  it('reads a listing SSM cut at 2,500 characters with GetCommandInvocation, and only that one', async () => {
    const busy = h.instance(0);
    for (let n = 0; n < 30; n++) {
      h.fleet.addSession(busy, { user: `CORP\\worker.number${n}`, idleMinutes: 1 });
    }
    h.fleet.addSession(busy, { user: 'CORP\\zed.idle', idleMinutes: 90, loggedOnMinutes: 200 });
    const { bodies } = await sweepInOneBatch();
    const calls = countCalls(h.runtime.clients.ssm);

    await h.status(sqs(bodies));

    expect(calls.GetCommandInvocation).toBe(1);
    const zed = (await h.actionsOf(busy)).find(
      (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith('zed.idle')
    );
    expect(zed).toMatchObject({ operation: 'disconnect', status: 'dispatched' });
  });

  it('keeps partial batch failures per record: a bad record fails alone', async () => {
    const { bodies } = await sweepInOneBatch();
    const batch = sqs(['{"not":"an event"}', ...bodies]);

    const response = await h.status(batch);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]?.messageId }]);
  });

  it('fails a record whose body repeats a key: its meaning would depend on who reads it', async () => {
    const { bodies } = await sweepInOneBatch();
    const [first = '', ...rest] = bodies;
    const repeated = first.replace(
      '"detail":{',
      `"detail":{"command-id":"${crypto.randomUUID()}",`
    );
    expect(repeated).not.toBe(first);
    const batch = sqs([repeated, ...rest]);

    const response = await h.status(batch);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]?.messageId }]);
  });
});
