import { SSMClient } from '@aws-sdk/client-ssm';
import { DOCUMENT_NAME, READ_DOCUMENT_NAME } from '../../../lib/contract.js';
import type { ReadDeps } from '../../../lib/ssm/read.js';
import type { RetryPolicy } from '../../../lib/ssm/retry.js';
import type { SendDeps } from '../../../lib/ssm/send.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm, SsmFaults, SsmTiming } from '../../../local/ssm/types.js';

export const MANAGED = { tagKey: 'session-janitor:managed', tagValue: 'true' } as const;

/** Retries quick enough for tests; still exponential with jitter. */
export const FAST_RETRY: Partial<RetryPolicy> = { baseDelayMs: 2, maxDelayMs: 20, maxAttempts: 6 };

export interface Harness {
  fleet: SimulatedFleet;
  ssm: LocalSsm;
  client: SSMClient;
  send: SendDeps;
  read: ReadDeps;
  close(): Promise<void>;
}

/**
 * The simulated fleet behind the local SSM, and the real SSMClient pointed at it. SSM seconds last
 * 1 ms (`msPerSecond: 1`): the document's 120 s execution timeout is 120 ms, a 30 s delivery
 * timeout 30 ms.
 */
export async function startHarness(
  options: { faults?: Partial<SsmFaults>; timing?: Partial<SsmTiming>; hosts?: number } = {}
): Promise<Harness> {
  const fleet = createFleet({
    seed: 7,
    liveSessions: false,
    durationScale: 0,
    ...(options.hosts === undefined ? {} : { hosts: options.hosts }),
  });
  const ssm = await startLocalSsm({
    fleet,
    seed: 11,
    faults: options.faults ?? {},
    timing: {
      pendingMs: 2,
      delayedAfterMs: 5,
      retryDeliveryMs: 5,
      msPerSecond: 1,
      eventDelayMs: 0,
      ...options.timing,
    },
  });
  const client = new SSMClient({
    region: 'us-east-1',
    endpoint: ssm.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  return {
    fleet,
    ssm,
    client,
    send: {
      ssm: client,
      documents: { operate: DOCUMENT_NAME, read: READ_DOCUMENT_NAME },
      deliveryTimeoutSeconds: 600,
      retry: FAST_RETRY,
    },
    read: { ssm: client, retry: FAST_RETRY },
    close: async () => {
      client.destroy();
      await ssm.close();
    },
  };
}

/** The first managed, online session host (en-US in the default fleet). */
export function sessionHost(fleet: SimulatedFleet, locale = 'en-US'): string {
  const host = fleet
    .instances()
    .find(
      (i) =>
        i.role === 'session-host' &&
        i.pingStatus === 'Online' &&
        i.tags[MANAGED.tagKey] === MANAGED.tagValue &&
        i.locale === locale
    );
  if (!host) throw new Error(`no managed online ${locale} session host`);
  return host.instanceId;
}

export function fileServer(fleet: SimulatedFleet): string {
  const host = fleet
    .instances()
    .find((i) => i.role === 'file-server' && i.tags[MANAGED.tagKey] === MANAGED.tagValue);
  if (!host) throw new Error('no managed file server');
  return host.instanceId;
}
