import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdleEventSchema } from '../../lib/idle/schema.js';
import { actionStatusEventSchema } from '../../lib/outcomes/event.js';
import type { AnyEventBridgeEvent } from '../../local/runtime/event-bus.js';
import { type E2e, startE2e } from './harness.js';

const POLICY = {
  version: 1,
  fleet: { maxActionsPerSweep: 500 },
  default: { logoffDisconnectedMinutes: 2, maxActionsPerHost: 50 },
};

let e2e: E2e;
const seen: AnyEventBridgeEvent[] = [];

beforeAll(async () => {
  // As `npm start -- --idle-limit 60`: every session host disconnects sessions idle an hour.
  e2e = await startE2e(POLICY, { idleEvents: true, idleLimitMinutes: 60 });
  e2e.runtime.bus.addRule({
    name: 'test-capture',
    matches: () => true,
    target: { kind: 'lambda', invoke: async (event) => void seen.push(event) },
  });
});
afterAll(() => e2e?.stop());

describe("the simulated fleet's watcher: an idle time-out on a host", () => {
  it('puts the Session Idle event with windowsEvent 40/3, which is verified, acted on and published', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-US-02');
    const sessionId = runtime.fleet.addSession(host, { user: 'CORP\\e2e.watch', idleMinutes: 57 });

    // The host disconnects the session at its limit (minute 3); the watcher's event reaches the
    // bus when the advance returns, the disconnect 3 minutes old by then.
    runtime.fleet.advance(6);
    await runtime.settle();

    expect(runtime.bus.deadLetters).toEqual([]);
    const idle = seen.filter(
      (e) =>
        e['detail-type'] === 'Session Idle' &&
        (e.detail as { instanceId: string; sessionId: number }).instanceId === host &&
        (e.detail as { sessionId: number }).sessionId === sessionId
    );
    expect(idle).toHaveLength(1);
    const event = sessionIdleEventSchema.parse(idle[0]);
    expect(event.detail).toMatchObject({
      userName: 'e2e.watch',
      domain: 'CORP',
      state: 'disconnected',
      idleMinutes: 0,
      logonTime: null,
      windowsEvent: { eventId: 40, reasonCode: 3, recordId: expect.any(Number) },
    });

    const actions = (await runtime.ledger.listByHost(host, { limit: 50, order: 'asc' })).items;
    const mine = actions.filter(
      (a) => a.target.kind === 'session' && a.target.sessionId === sessionId
    );
    expect(mine).toEqual([
      expect.objectContaining({
        operation: 'logoff',
        status: 'succeeded',
        trigger: { kind: 'idle-event', eventId: event.id },
        reason: expect.stringMatching(/^disconnected \d+ min ≥ 2 min/),
      }),
    ]);
    expect(runtime.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);

    const outcomes = seen
      .filter((e) => e['detail-type'] === 'Action Status-change')
      .map((e) => actionStatusEventSchema.parse(e).detail)
      .filter((d) => d.actionId === mine[0]?.id);
    expect(outcomes).toEqual([
      expect.objectContaining({
        dedupeId: `${mine[0]?.id}:succeeded`,
        operation: 'logoff',
        instanceId: host,
        targetUser: 'e2e.watch',
        status: 'succeeded',
        trigger: { kind: 'idle-event', eventId: event.id },
      }),
    ]);
  });
});

describe('a Session Idle event on the default bus', () => {
  it('reaches no function: the rule is on the session-janitor bus, as in the stack', async () => {
    const { runtime } = e2e;
    const host = e2e.hostId('RDSH-DE-02');
    const sessionId = runtime.fleet.addSession(host, {
      user: 'CORP\\e2e.default',
      state: 'disconnected',
      idleMinutes: 90,
      disconnectedMinutes: 60,
    });
    const before = runtime.invocations()['idle-event'];
    const client = new EventBridgeClient({
      endpoint: runtime.eventsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const detail = {
      instanceId: host,
      sessionId,
      userName: 'e2e.default',
      state: 'disconnected',
      idleMinutes: 90,
      logonTime: null,
      observedAt: runtime.fleet.now().toISOString(),
    };
    const entry = {
      Source: 'session-janitor.host',
      DetailType: 'Session Idle',
      Resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${host}`],
      Detail: JSON.stringify(detail),
    };
    try {
      const answer = await client.send(
        new PutEventsCommand({ Entries: [{ ...entry, EventBusName: 'default' }] })
      );
      expect(answer.FailedEntryCount).toBe(0);
      await runtime.settle();
      expect(runtime.invocations()['idle-event']).toBe(before);

      await client.send(
        new PutEventsCommand({ Entries: [{ ...entry, EventBusName: 'session-janitor' }] })
      );
      await runtime.settle();
      expect(runtime.invocations()['idle-event']).toBe(before + 1);
    } finally {
      client.destroy();
    }
  });
});
