import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListCommandInvocationsCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { startRuntime } from '../../local/runtime/runtime.js';
import { localSsmClient } from '../helpers/ssm-local.js';

/**
 * One clock at every --time-scale: the local SSM's delays and timeouts, the hosts' run times and
 * every recorded time live in simulated time, so a sweep ends the same way at 1, 60 and 600
 * simulated minutes per real second, and the trail's times say in which order things happened.
 */

const ORDER = ['planned', 'dispatched', 'succeeded'] as const;

describe.each([1, 60, 600])('at --time-scale %d', (timeScale) => {
  it('a sweep acts, every recorded time is distinct and ordered, and only the slow host times out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'janitor-scale-'));
    const runtime = await startRuntime({
      port: 0,
      fleet: 12,
      sweepEveryMs: Number.POSITIVE_INFINITY,
      seed: 7,
      policyFile: null,
      timeScale,
      dataDir: dir,
      inMemory: true,
      janitorDir: dir,
      hostScript: 'typescript',
      liveSessions: false,
      idleEvents: false,
    });
    const ssm = localSsmClient(runtime.ssmEndpoint);
    try {
      const slow = runtime.fleet.instances().find((i) => i.computerName === 'RDSH-FR-01')
        ?.instanceId as string;
      // 200 simulated seconds of run time, past the document's 120 s execution timeout.
      runtime.ssm.setFaults({ slowInstanceMs: { [slow]: 200_000 } });
      const sweep = await runtime.sweepNow();
      await runtime.settle();

      const hosts = Object.values(sweep.groups).flat();
      const actions: Action[] = [];
      for (const host of hosts) {
        actions.push(...(await runtime.ledger.listByHost(host, { limit: 100 })).items);
      }
      const succeeded = actions.filter((a) => a.status === 'succeeded');
      expect(succeeded.length).toBeGreaterThan(5);
      expect(actions.filter((a) => a.instanceId === slow)).toEqual([]);
      for (const action of succeeded) {
        const times = ORDER.map((step) => Date.parse(action.timestamps[step] ?? ''));
        expect(times.every(Number.isFinite)).toBe(true);
        expect(times[0]).toBeLessThan(times[1] as number);
        expect(times[1]).toBeLessThan(times[2] as number);
      }
      const all = actions.flatMap((a) => Object.values(a.timestamps));
      expect(new Set(all).size).toBe(all.length);

      const invocations = [];
      let next: string | undefined;
      do {
        const page = await ssm.send(
          new ListCommandInvocationsCommand({ Details: true, NextToken: next })
        );
        invocations.push(...(page.CommandInvocations ?? []));
        next = page.NextToken;
      } while (next);
      const listing = invocations.filter((i) => i.Comment?.startsWith('sj:sweep:'));
      for (const invocation of invocations) {
        const plugin = invocation.CommandPlugins?.[0];
        const requested = invocation.RequestedDateTime?.getTime() ?? Number.NaN;
        const started = plugin?.ResponseStartDateTime?.getTime() ?? Number.NaN;
        const ended = plugin?.ResponseFinishDateTime?.getTime() ?? Number.NaN;
        expect(requested).toBeLessThanOrEqual(started);
        expect(started).toBeLessThanOrEqual(ended);
        const expected = invocation.InstanceId === slow ? 'TimedOut' : 'Success';
        expect([invocation.InstanceId, invocation.Status]).toEqual([
          invocation.InstanceId,
          expected,
        ]);
      }
      expect(listing.find((i) => i.InstanceId === slow)?.StatusDetails).toBe('ExecutionTimedOut');
    } finally {
      ssm.destroy();
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a help-desk ticket at the fastest --time-scale', () => {
  it('is sent and ends: the API holds the clock while it records and sends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'janitor-scale-api-'));
    const runtime = await startRuntime({
      port: 0,
      fleet: 12,
      sweepEveryMs: Number.POSITIVE_INFINITY,
      seed: 7,
      policyFile: null,
      timeScale: 600,
      dataDir: dir,
      inMemory: true,
      janitorDir: dir,
      hostScript: 'typescript',
      liveSessions: false,
      idleEvents: false,
      // It polls faster than the stage's default throttle lets a client.
      apiThrottle: null,
    });
    // A busy machine: every DynamoDB request takes 10 ms, 6 simulated minutes at this scale.
    runtime.clients.ddb.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'busyMachine' }
    );
    try {
      const host = runtime.fleet
        .instances()
        .find((i) => i.pingStatus === 'Online' && i.tags['session-janitor:managed'] === 'true');
      const session = runtime.fleet
        .host(host?.instanceId ?? '')
        .sessions.find((s) => !s.console && s.state === 'active');
      const headers = {
        authorization: `Bearer ${runtime.token}`,
        'content-type': 'application/json',
      };
      const posted = await fetch(`${runtime.apiUrl}/v1/actions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          operation: 'notify',
          instanceId: host?.instanceId,
          sessionId: session?.id,
          userName: session?.userName,
          ticketId: 'INC-SCALE-600',
          reason: 'the time scale must not leave a ticket unsent',
          message: 'Please save your work',
        }),
      });
      expect(posted.status).toBe(202);
      const { actionId } = (await posted.json()) as { actionId: string };
      let action: Action | undefined;
      for (let polls = 0; polls < 200; polls++) {
        const got = await fetch(`${runtime.apiUrl}/v1/actions/${actionId}`, { headers });
        action = (await got.json()) as Action;
        if (action.status !== 'planned' && action.status !== 'dispatched') break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }

      expect(action?.status).toBe('succeeded');
      expect(action?.commandId).not.toBeNull();
    } finally {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
