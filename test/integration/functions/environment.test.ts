import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createClients } from '../../../lib/aws/clients.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { context, sample } from './harness.js';

/** How Lambda and the local runtime start the functions: environment variables, then import. */
describe('functions configured from the environment', () => {
  let ssm: LocalSsm;
  const tableName = `env-${randomUUID()}`;
  const saved = { ...process.env };

  beforeAll(async () => {
    const fleet = createFleet({ seed: 5, hosts: 3, liveSessions: false, durationScale: 0 });
    ssm = await startLocalSsm({ fleet, timing: { pendingMs: 1, eventDelayMs: 1, msPerSecond: 1 } });
    const endpoint = inject('dynamodbEndpoint');
    await createLedgerTable(
      createClients({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: endpoint }).ddb,
      tableName
    );
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      SSM_ENDPOINT: ssm.endpoint,
    });
  });
  afterAll(async () => {
    for (const key of ['TABLE_NAME', 'DYNAMODB_ENDPOINT', 'SSM_ENDPOINT', 'POLICY']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await ssm.close();
  });

  it('fails at start-up on a bad policy, naming the field and the reason', async () => {
    vi.resetModules();
    process.env.POLICY = '{"version":1,"default":{"maxActionsPerHost":-1}}';

    await expect(import('../../../functions/lambda/idle-event.js')).rejects.toThrow(
      /^invalid policy: default\.maxActionsPerHost: .*>=0/
    );
  });

  it('runs a sweep with nothing but the environment', async () => {
    vi.resetModules();
    process.env.POLICY = JSON.stringify({ version: 1, default: { disconnectIdleMinutes: 60 } });
    const { handler } = await import('../../../functions/lambda/sweep.js');
    const event = await sample('scheduler/default-notification.json');

    const result = await handler(event, context('sweep'));

    expect(result).toMatchObject({
      sweepId: 'sw-2026-11-21T20:05:00Z',
      repeated: false,
      groups: { default: expect.any(Array) },
    });
    // The policy names no group, so every managed host is swept as the default group.
    expect(ssm.commands().map((c) => c.comment)).toEqual([
      'sj:sweep:sw-2026-11-21T20:05:00Z;g:default',
    ]);
  });
});
