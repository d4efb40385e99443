import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { INVOCATION_DETAIL_TYPE } from '../../../lib/contract.js';
import type { ReconcileResult } from '../../../lib/sweep/sweep.js';
import { type LocalEvents, startLocalEvents } from '../../../local/events/server.js';
import type { AnyEventBridgeEvent } from '../../../local/runtime/event-bus.js';
import { type Harness, sqs, startHarness } from './harness.js';

/**
 * An action's outcome is published at least once: a put that fails after the ledger wrote the
 * terminal status fails the invocation, and the retry that failure causes meets the action already
 * terminal and publishes it then, with the same dedupeId. The local EventBridge endpoint fails the
 * put as EventBridge does for a bus it does not know (a per-entry ResourceNotFoundException).
 */

const BUS = 'session-janitor';
/** Past the dispatch deadline (600 s delivery + 120 s execution + 60 s) of an action sent now. */
const PAST_DEADLINE_MINUTES = 14;

let events: LocalEvents;
/** The buses the endpoint knows: emptied, puts fail until the bus is back. */
let buses: string[];
let outcomes: AnyEventBridgeEvent[];
let h: Harness;

async function start(policy: unknown): Promise<void> {
  buses = [BUS];
  outcomes = [];
  events = await startLocalEvents({
    account: '123456789012',
    region: 'us-east-1',
    buses,
    clock: () => new Date(),
    deliver: (event) => outcomes.push(event),
  });
  // SSM stamps commands with the real clock: the simulated one starts there and only moves on.
  h = await startHarness({
    policy,
    fleet: { hosts: 1, start: new Date() },
    queue: false,
    env: { EVENT_BUS_NAME: BUS, EVENTS_ENDPOINT: events.endpoint },
  });
}

afterEach(async () => {
  await h?.close();
  await events?.close();
});

const dedupeIds = () => outcomes.map((e) => (e.detail as { dedupeId: string }).dedupeId);

/** The final invocation event of a command, as command-status receives it. */
function finalEventOf(commandId: string): string {
  const body = h.delivered.find((b) => {
    const e = JSON.parse(b) as { 'detail-type': string; detail: Record<string, string> };
    return (
      e['detail-type'] === INVOCATION_DETAIL_TYPE &&
      e.detail['command-id'] === commandId &&
      !['Pending', 'InProgress', 'Delayed'].includes(e.detail.status ?? '')
    );
  });
  if (body === undefined) throw new Error(`no final event for ${commandId}`);
  return body;
}

/** Sweeps the host and hands its listing to command-status: the idle user's action. */
async function sweepAndPlan(
  user: string
): Promise<{ action: Action; listing: string; handedBack: number }> {
  const host = h.instance(0);
  h.fleet.addSession(host, { user: `CORP\\${user}`, idleMinutes: 90, loggedOnMinutes: 200 });
  const { commandIds } = (await h.sweepAt(h.fleet.now())) as { commandIds: string[] };
  await h.ssm.idle();
  const [listingId] = commandIds;
  if (listingId === undefined) throw new Error('the sweep sent no listing');
  const listing = finalEventOf(listingId);
  const response = await h.status(sqs([listing]));
  const action = (await h.actionsOf(host)).find(
    (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith(user)
  );
  if (action === undefined) throw new Error(`nothing planned: ${JSON.stringify(response)}`);
  return { action, listing, handedBack: response.batchItemFailures.length };
}

describe('a status record whose put failed after the write', () => {
  beforeEach(() => start({ version: 1, default: { disconnectIdleMinutes: 60 } }));

  it('fails, and its redelivery publishes the outcome once, with the same dedupeId', async () => {
    const { action } = await sweepAndPlan('put.fails');
    expect(action.status).toBe('dispatched');
    await h.ssm.idle();
    const result = finalEventOf(action.commandId ?? '');

    buses.length = 0;
    // Its batch's only record failed: the invocation fails, and SQS delivers the batch again.
    await expect(h.status(sqs([result]))).rejects.toMatchObject({
      name: 'FullBatchFailureError',
    });
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('succeeded');
    expect(outcomes).toEqual([]);

    buses.push(BUS);
    const redelivered = await h.status(sqs([result]));

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(dedupeIds()).toEqual([`${action.id}:succeeded`]);
  });
});

describe('a skip whose put failed', () => {
  beforeEach(() => start({ version: 1, default: { disconnectIdleMinutes: 60, dryRun: true } }));

  it('fails its listing, and the listing redelivered publishes the skip', async () => {
    buses.length = 0;
    const { action, listing, handedBack } = await sweepAndPlan('dry.run');

    expect(handedBack).toBe(1);
    expect(action).toMatchObject({ status: 'skipped', result: { errorCode: 'policy:dry-run' } });
    expect(outcomes).toEqual([]);

    buses.push(BUS);
    const redelivered = await h.status(sqs([listing]));

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(dedupeIds()).toEqual([`${action.id}:skipped`]);
  });
});

describe('a reconcile whose put failed', () => {
  beforeEach(() => start({ version: 1, default: { disconnectIdleMinutes: 60 } }));

  it('fails the sweep, and the retried sweep publishes the outcome, once', async () => {
    // The action's own status event is never handed over: reconcile reads it back.
    const { action } = await sweepAndPlan('event.lost');
    await h.ssm.idle();
    h.fleet.advance(PAST_DEADLINE_MINUTES);
    const at = h.fleet.now();

    buses.length = 0;
    await expect(h.sweepAt(at)).rejects.toMatchObject({ name: 'PublishError' });
    expect((await h.runtime.ledger.getAction(action.id))?.status).toBe('succeeded');
    expect(outcomes).toEqual([]);

    buses.push(BUS);
    const retried = (await h.sweepAt(at)) as { reconciled: ReconcileResult };

    expect(retried.reconciled).toMatchObject({ republished: 1, errors: 0 });
    expect(dedupeIds()).toEqual([`${action.id}:succeeded`]);
    h.fleet.advance(1);
    const next = (await h.sweepAt(h.fleet.now())) as { reconciled: ReconcileResult };
    expect(next.reconciled).toMatchObject({ checked: 0, republished: 0 });
    expect(dedupeIds()).toEqual([`${action.id}:succeeded`]);
  });
});
