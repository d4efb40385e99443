import {
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { SimClock } from '../../../local/clock.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { localSsmClient } from '../../helpers/ssm-local.js';

/*
 * The simulated clock hands out distinct times, so every time the functions record moves it on by
 * a millisecond while they hold it. On a busy machine that is minutes of clock between sending a
 * command and SSM delivering it: the delivery timeout must be a deadline in the order of SSM's own
 * timers (a 30 s timeout after a 1.5 s wait to deliver), not a comparison with a clock that the
 * machine's other work moved on.
 */
describe('the local SSM on a clock that other work moves on', () => {
  let clock: SimClock;
  let fleet: SimulatedFleet;
  let ssm: LocalSsm;
  let client: SSMClient;

  beforeAll(async () => {
    clock = new SimClock(new Date('2026-11-23T14:00:00Z'), 36_000);
    fleet = createFleet({ seed: 3, hosts: 2, liveSessions: false, clock });
    ssm = await startLocalSsm({
      fleet,
      scheduler: clock,
      clock: () => new Date(clock.now()),
      timing: { pendingMs: 1500, delayedAfterMs: 1500, retryDeliveryMs: 10_000, eventDelayMs: 500 },
    });
    client = localSsmClient(ssm.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await ssm.close();
    clock.close();
  });

  it('delivers to a reachable host however many times were taken meanwhile, and times out only the unreachable one', async () => {
    const [reachable, unreachable] = fleet.instances().map((i) => i.instanceId) as [string, string];
    ssm.setFaults({ offlineInstanceIds: [unreachable] });
    const release = clock.hold();
    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: [reachable, unreachable],
        TimeoutSeconds: 30,
        Parameters: { Operation: ['ListSessions'] },
      })
    );
    // 100,000 recorded times: 100 s of the clock, past the 30 s delivery timeout.
    const before = clock.now();
    for (let i = 0; i < 100_000; i++) clock.now();
    expect(clock.now() - before).toBeGreaterThan(90_000);
    release();
    await ssm.idle();

    const status = async (instanceId: string) => {
      const reading = await client.send(
        new GetCommandInvocationCommand({
          CommandId: sent.Command?.CommandId,
          InstanceId: instanceId,
        })
      );
      return `${reading.Status}/${reading.StatusDetails}`;
    };
    expect(await status(reachable)).toBe('Success/Success');
    expect(await status(unreachable)).toBe('TimedOut/DeliveryTimedOut');
  });
});
