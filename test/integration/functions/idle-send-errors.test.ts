import { randomUUID } from 'node:crypto';
import {
  DescribeInstanceInformationCommand,
  InvalidInstanceId,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../../lib/dispatch/errors.js';
import { handleSessionIdle, type IdleDeps } from '../../../lib/idle/handle.js';
import type { SessionIdleEvent } from '../../../lib/idle/schema.js';
import { parsePolicy } from '../../../lib/policy/schema.js';
import { type LedgerFixture, ledgerFixture } from '../ledger/fixture.js';
import { sample } from './harness.js';

/**
 * SendCommand failures the local SSM cannot produce for a managed, online instance (throttling
 * that never stops, a refusal of the instance), through a mocked SSM client; the ledger is real.
 */

// The one client these tests use is mocked, not SSMClient's prototype: test files share their
// worker's modules, and a prototype mock would answer every other file's SSM calls.
const ssm = new SSMClient({ region: 'us-east-1', maxAttempts: 1 });
const ssmMock = mockClient(ssm);
afterEach(() => {
  ssmMock.reset();
});
afterAll(() => {
  ssmMock.restore();
});

const meta = { $metadata: {} };
const NOW = new Date('2026-11-21T20:06:00Z');

describe('idle-event when the host cannot be asked', () => {
  let fx: LedgerFixture;
  let event: SessionIdleEvent;
  let deps: IdleDeps;

  beforeAll(async () => {
    fx = await ledgerFixture('idle-send-errors');
    event = { ...(await sample<SessionIdleEvent>('session-idle/active.json')), id: randomUUID() };
    deps = {
      ssm,
      ledger: fx.ledger,
      policy: parsePolicy({ version: 1, default: { disconnectIdleMinutes: 30 } }),
      managedTag: { key: 'session-janitor:managed', value: 'true' },
      groupTagKey: 'session-janitor:policy-group',
      documents: { operate: 'SessionJanitor-Operate', read: 'SessionJanitor-Read' },
      outputLogGroup: '',
      deliveryTimeoutSeconds: 600,
      executionTimeoutSeconds: 120,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      clock: () => NOW,
      observer: {
        planned() {},
        finished() {},
        sweepRan() {},
        ssmThrottled() {},
        info() {},
        warn() {},
      },
      checkLimit: { perHost: 20, windowMinutes: 1 },
    };
  });

  function managedHost() {
    ssmMock.on(DescribeInstanceInformationCommand).resolves({
      ...meta,
      InstanceInformationList: [
        { InstanceId: event.detail.instanceId, PingStatus: 'Online', PlatformType: 'Windows' },
      ],
    });
  }

  it('asks for a redelivery while SendCommand is throttled, and records nothing', async () => {
    managedHost();
    ssmMock
      .on(SendCommandCommand)
      .rejects(
        new ThrottlingException({ ...meta, message: 'Rate exceeded', Message: 'Rate exceeded' })
      );

    await expect(handleSessionIdle(deps, event)).rejects.toBeInstanceOf(RetryLaterError);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(2);
    expect((await fx.ledger.listByHost(event.detail.instanceId)).items).toEqual([]);
  });

  it('ignores the event when SSM refuses the instance for good', async () => {
    managedHost();
    ssmMock
      .on(SendCommandCommand)
      .rejects(new InvalidInstanceId({ ...meta, message: 'Instances not in a valid state' }));

    expect(await handleSessionIdle(deps, event)).toEqual({
      kind: 'ignored',
      reason: expect.stringMatching(/^ListSessions refused: ssm:InvalidInstanceId /),
    });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });
});
