import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/actions/model.js';
import { isTerminal } from '../../lib/actions/transitions.js';
import { parseComment } from '../../lib/dispatch/comments.js';
import { MAX_LISTING_AGE_MS } from '../../lib/dispatch/dispatch.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import { type Harness, sample, startHarness } from '../integration/functions/harness.js';
import { FULL, recordFigures } from './corpus.js';
import { FAULT_POLICY, invokeAsync } from './runs.js';
import { commandsPerAction } from './sent.js';

// Faults: SSM throttles 30% of its calls, 10% of the hosts are offline, 5% run past the
// execution timeout, 20% of status events are lost, 20% duplicated and 10% late, every sweep and every
// batch of status records is delivered twice (the second after the first succeeded). After the
// rounds and a bounded number of reconciling sweeps: every action terminal, none sent twice,
// none lost, no excluded user's or console session touched.

const HOSTS = FULL ? 500 : 30;
const ROUNDS = FULL ? 8 : 5;
/** Sweeps after the last round, with the faults still on, by which every action must be done. */
const RECONCILING_SWEEPS = 3;

const EXCLUDED = /(^|\\)(svc_.*|administrator)$/i;

let h: Harness;
/** Each send as dispatch saw it: how old the listing it was decided on was. */
const sends: Array<{ actionId: string; listingAgeAtSendMs: number | null }> = [];
const quiet: Observer = {
  planned: () => undefined,
  finished: () => undefined,
  info(message, data) {
    if (message !== 'action dispatched' || !data) return;
    sends.push({
      actionId: String(data.actionId),
      listingAgeAtSendMs: data.listingAgeAtSendMs as number | null,
    });
  },
  warn: () => undefined,
};
const sweepFailures: string[] = [];
let sweepsDeadLettered = 0;
const figures: Record<string, unknown> = { hosts: HOSTS };

beforeAll(async () => {
  h = await startHarness({
    policy: FAULT_POLICY,
    fleet: { hosts: HOSTS, seed: 16 },
    deliverTwice: true,
    observer: quiet,
  });
});
afterAll(async () => {
  recordFigures('faults', figures);
  await h?.close();
});

async function sweepTwice(): Promise<void> {
  const notification = await sample('scheduler/default-notification.json');
  const event = { ...notification, id: crypto.randomUUID(), time: h.fleet.now().toISOString() };
  await deliver(event);
  // The same scheduled event again, after the first succeeded: nothing more may be sent.
  await deliver(event);
  await h.settle();
}

/** Sweeps that still fail after the SSM client's retries are retried as Lambda retries them. */
async function deliver(event: unknown): Promise<void> {
  if (!(await invokeAsync(() => h.sweep(event), sweepFailures))) sweepsDeadLettered++;
}

describe('under SSM, host, event and delivery faults', () => {
  it(
    'brings every action to its end within bounded sweeps, sending none twice, losing none',
    async () => {
      const ids = h.fleet.instances().map((i) => i.instanceId);
      const offline = ids.filter((_, i) => i % 10 === 3);
      const slow = Object.fromEntries(ids.filter((_, i) => i % 20 === 7).map((id) => [id, 1_000]));
      const consoles = new Map(
        ids.map((id) => [
          id,
          h.fleet
            .host(id)
            .sessions.filter((s) => s.console)
            .map((s) => s.id),
        ])
      );
      h.ssm.setFaults({
        throttleRate: 0.3,
        dropEventRate: 0.2,
        duplicateEventRate: 0.2,
        // A tenth of the events come after the ones that followed them (an InProgress after
        // its Success, a listing's Success after the action it planned had ended).
        lateEventRate: 0.1,
        lateEventMs: 150,
      });
      // Half the offline and slow hosts are so from the start (their listings never come back);
      // the other half turn so right after their first listing answered, so that what was planned
      // from it meets an agent that is gone or a script that runs past its timeout.
      const later = new Set([...offline, ...Object.keys(slow)].filter((_, i) => i % 2 === 1));
      const faulty = (id: string) => !later.has(id);
      h.ssm.setFaults({
        offlineInstanceIds: offline.filter(faulty),
        slowInstanceMs: Object.fromEntries(Object.entries(slow).filter(([id]) => faulty(id))),
      });
      const listings = new Set(
        h.ssm
          .commands()
          .filter((c) => c.parameters.Operation?.[0] === 'ListSessions')
          .map((c) => c.commandId)
      );
      h.ssm.subscribe((event) => {
        const id = event.detail['instance-id' as keyof typeof event.detail] as string | undefined;
        if (id === undefined || !later.has(id) || event.detail.status !== 'Success') return;
        const command = h.ssm.commands().find((c) => c.commandId === event.detail['command-id']);
        if (
          command?.parameters.Operation?.[0] !== 'ListSessions' ||
          listings.has(command.commandId)
        ) {
          return;
        }
        later.delete(id);
        h.ssm.setFaults({
          offlineInstanceIds: offline.filter((o) => !later.has(o)),
          slowInstanceMs: Object.fromEntries(Object.entries(slow).filter(([s]) => !later.has(s))),
        });
      });

      for (let round = 0; round < ROUNDS; round++) {
        await sweepTwice();
        h.fleet.advance(10);
      }
      // A command whose status event was lost is read back by the first sweep past the action's
      // deadline (13 minutes after it was sent): three sweeps 5 minutes apart, so that every
      // action of the rounds has three chances, a throttled read-back included. The users live
      // on meanwhile, so these sweeps plan and send actions too; those are not yet overdue at
      // the end, and one whose status event was lost is rightly still `dispatched`.
      let reconcilingFrom = Number.POSITIVE_INFINITY;
      for (let sweep = 0; sweep < RECONCILING_SWEEPS; sweep++) {
        h.fleet.advance(5);
        reconcilingFrom = Math.min(reconcilingFrom, h.fleet.now().getTime());
        await sweepTwice();
      }

      const actions: Action[] = (await Promise.all(ids.map((id) => h.actionsOf(id)))).flat();
      /** Its deadline passed before every reconciling sweep: it must have been settled. */
      const owed = (action: Action) =>
        action.deadline === null || Date.parse(action.deadline) <= reconcilingFrom;
      const byStatus: Record<string, number> = {};
      for (const action of actions) byStatus[action.status] = (byStatus[action.status] ?? 0) + 1;
      const acting = h.ssm.commands().filter((c) => parseComment(c.comment)?.kind === 'action');
      const perAction = commandsPerAction(acting);
      const known = new Set(actions.map((a) => a.id));
      Object.assign(figures, {
        actions: actions.length,
        byStatus,
        actionCommands: acting.length,
        sentTwice: [...perAction.values()].filter((n) => n > 1).length,
        unrecordedCommands: [...perAction.keys()].filter((id) => !known.has(id)).length,
        notTerminal: actions.filter((a) => !isTerminal(a.status)).length,
        openBeforeDeadline: actions.filter((a) => !isTerminal(a.status) && !owed(a)).length,
        offlineHosts: offline.length,
        slowHosts: Object.keys(slow).length,
        deadLetters: h.deadLetters.length,
        sweepAttemptsFailed: sweepFailures.length,
        sweepsDeadLettered,
        sends: sends.length,
        oldestListingAtSendMinutes:
          Math.max(0, ...sends.map((s) => s.listingAgeAtSendMs ?? 0)) / 60_000,
      });

      expect(actions.length).toBeGreaterThan(FULL ? 2_000 : 60);
      for (const action of actions) {
        const detail = JSON.stringify({ action, reconcilingFrom: new Date(reconcilingFrom) });
        if (owed(action)) expect(isTerminal(action.status), detail).toBe(true);
        else if (!isTerminal(action.status)) expect(action.status, detail).toBe('dispatched');
      }
      expect(figures.sentTwice).toBe(0);
      // Every send went through the staleness check with the listing it was decided on. (Here
      // the fleet's clock moves only between rounds, so ages are 0; listing-age.test.ts lets
      // time pass between the listing and the send.)
      expect(sends.length).toBeGreaterThan(FULL ? 2_000 : 60);
      for (const send of sends) {
        expect(send.listingAgeAtSendMs, send.actionId).not.toBeNull();
        expect(send.listingAgeAtSendMs ?? 0, send.actionId).toBeLessThanOrEqual(MAX_LISTING_AGE_MS);
      }
      expect(sweepsDeadLettered).toBe(0);
      expect(new Set(sweepFailures)).toEqual(
        new Set(sweepFailures.length > 0 ? ['ThrottledError'] : [])
      );
      expect(figures.unrecordedCommands).toBe(0);
      // Every action the ledger says was sent was sent.
      for (const action of actions.filter((a) => a.commandId)) {
        expect(perAction.get(action.id), action.id).toBe(1);
      }
      // Nobody excluded and no console session was touched.
      for (const command of acting) {
        for (const name of ['ExpectedUser', 'UserName']) {
          expect(command.parameters[name]?.[0] ?? '', command.comment).not.toMatch(EXCLUDED);
        }
      }
      for (const [id, sessions] of consoles) {
        const now = h.fleet
          .host(id)
          .sessions.filter((s) => s.console)
          .map((s) => s.id);
        expect(now, id).toEqual(sessions);
      }
    },
    FULL ? 1_800_000 : 120_000
  );
});
