import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetKey } from '../../lib/actions/ids.js';
import type { Action } from '../../lib/actions/model.js';
import { isTerminal } from '../../lib/actions/transitions.js';
import { READ_DOCUMENT_NAME } from '../../lib/contract.js';
import { parseComment } from '../../lib/dispatch/comments.js';
import { MAX_LISTING_AGE_MS } from '../../lib/dispatch/dispatch.js';
import type { Observer } from '../../lib/dispatch/observer.js';
import type { SessionIdleEvent } from '../../lib/idle/schema.js';
import { sweepIdOf } from '../../lib/sweep/sweep.js';
import { lambdaContext } from '../../local/runtime/lambda-context.js';
import { type ApiEvent, postWith, withScope } from '../integration/api/harness.js';
import { type Harness, sample, startHarness } from '../integration/functions/harness.js';
import { FULL, recordFigures } from './corpus.js';
import { FAULT_POLICY, invokeAsync } from './runs.js';
import { commandsPerAction } from './sent.js';

// Faults: SSM throttles 30% of its calls, 10% of the hosts are offline, 5% run past the
// execution timeout, 20% of status events are lost, 20% duplicated and 10% late, every sweep,
// every batch of status records, every Session Idle event and every help-desk request is
// delivered twice (the second after the first succeeded or answered). After the rounds and a
// bounded number of reconciling sweeps: every action terminal, none sent twice, none lost, no
// target acted on twice in one sweep window, no excluded user's or console session touched.
// Some hosts' listings are held back as a queue backlog would hold them while the fleet's clock
// moves on: past the staleness bound (refused, nothing planned from them) and within it (acted
// on, at the age they had).

const HOSTS = FULL ? 500 : 30;
const ROUNDS = FULL ? 8 : 5;
/** Sweeps after the last round, with the faults still on, by which every action must be done. */
const RECONCILING_SWEEPS = 3;
/** Each round, the hosts that put a Session Idle event and those a help-desk ticket names. */
const IDLE_EVENT_HOSTS = FULL ? 25 : 2;
const TICKET_HOSTS = FULL ? 25 : 2;

const EXCLUDED = /(^|\\)(svc_.*|administrator)$/i;

let h: Harness;
/** Each send as dispatch saw it: which listing it was decided on, and how old that was. */
const sends: Array<{
  actionId: string;
  instanceId: string;
  listedAt: string | null;
  listingAgeAtSendMs: number | null;
}> = [];
/** Listings the collectors refused as too old: `instance sweep`. */
const refusedStale = new Set<string>();
/** Each action the use cases reported planned, by whichever trigger. */
const planned: Array<{ actionId: string; decision: 'send' | 'skip' }> = [];
const quiet: Observer = {
  planned: (action, decision) => planned.push({ actionId: action.id, decision }),
  finished: () => undefined,
  info(message, data) {
    if (message !== 'action dispatched' || !data) return;
    sends.push({
      actionId: String(data.actionId),
      instanceId: String(data.instanceId),
      listedAt: data.listedAt as string | null,
      listingAgeAtSendMs: data.listingAgeAtSendMs as number | null,
    });
  },
  warn(message, data) {
    if (message.endsWith('listing too old to act on') && data) {
      refusedStale.add(`${data.instanceId} ${data.sweepId}`);
    }
  },
};
const sweepFailures: string[] = [];
let sweepsDeadLettered = 0;
let idleEventsPut = 0;
const idleFailures: string[] = [];
let idleEventsDeadLettered = 0;
/** Each session's logon time as the fleet held it at each of its times: `host session at`. */
const logons = new Map<string, string>();
/** An API answer: its status, and what its body says (its error code; whether it recorded). */
interface Answer {
  status: number;
  error: string | null;
  created: boolean | null;
}
/** Each ticket's two answers, in order. */
const tickets = new Map<string, Answer[]>();
const figures: Record<string, unknown> = { hosts: HOSTS };
let api: (event: ApiEvent) => Promise<Answer>;
let idleTemplate: SessionIdleEvent;

beforeAll(async () => {
  h = await startHarness({
    policy: FAULT_POLICY,
    fleet: { hosts: HOSTS, seed: 16 },
    deliverTwice: true,
    observer: quiet,
  });
  // The API function on the same runtime: its tickets meet the same SSM faults.
  const { createApiHandler } = await import('../../functions/api.js');
  const handler = createApiHandler(h.runtime);
  api = async (event) => {
    const result = (await handler(
      event,
      lambdaContext('api', crypto.randomUUID())
    )) as APIGatewayProxyStructuredResultV2;
    const body = JSON.parse(result.body ?? '{}') as { error?: string; created?: boolean };
    return {
      status: result.statusCode ?? 0,
      error: body.error ?? null,
      created: body.created ?? null,
    };
  };
  idleTemplate = await sample<SessionIdleEvent>('session-idle/active.json');
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

/** What the fleet's sessions are now: which logon a session id is at this time. */
function noteLogons(): void {
  const at = h.fleet.now().toISOString();
  for (const { instanceId } of h.fleet.instances()) {
    for (const s of h.fleet.host(instanceId).sessions) {
      logons.set(`${instanceId} ${s.id} ${at}`, s.logonTime);
    }
  }
}

/** Sweeps that still fail after the SSM client's retries are retried as Lambda retries them. */
async function deliver(event: unknown): Promise<void> {
  if (!(await invokeAsync(() => h.sweep(event), sweepFailures))) sweepsDeadLettered++;
}

/** A live session of the host that is not its console's, the first whose user `fits`. */
function sessionOf(instanceId: string, fits: (userName: string) => boolean = () => true) {
  return h.fleet
    .host(instanceId)
    .sessions.find((s) => !s.console && fits(`${s.domain ?? ''}\\${s.userName}`));
}

/**
 * The hosts' watchers report a session each, as the events reach the idle-event function:
 * asynchronously, retried as Lambda retries, and each delivered again after it succeeded.
 */
async function idleEventsTwice(hosts: readonly string[]): Promise<void> {
  await Promise.all(
    hosts.map(async (instanceId) => {
      const view = sessionOf(instanceId);
      if (!view) return;
      const event: SessionIdleEvent = {
        ...idleTemplate,
        id: crypto.randomUUID(),
        time: h.fleet.now().toISOString(),
        resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
        detail: {
          instanceId,
          sessionId: view.id,
          userName: view.userName,
          ...(view.domain ? { domain: view.domain } : {}),
          state: view.state === 'disconnected' ? 'disconnected' : 'active',
          idleMinutes: view.idleMinutes ?? 0,
          logonTime: view.logonTime.slice(0, 16),
          observedAt: h.fleet.now().toISOString(),
        },
      };
      idleEventsPut++;
      for (let delivery = 0; delivery < 2; delivery++) {
        if (!(await invokeAsync(() => h.idle(event), idleFailures))) idleEventsDeadLettered++;
      }
    })
  );
}

/** A help desk logs a user off each host, sending each ticket again once the first answered. */
async function ticketsTwice(hosts: readonly string[], round: number): Promise<void> {
  await Promise.all(
    hosts.map(async (instanceId, i) => {
      const view = sessionOf(instanceId, (user) => !EXCLUDED.test(user));
      if (!view) return;
      const ticketId = `FAULT-${round}-${i}`;
      const body = {
        operation: 'logoff',
        instanceId,
        sessionId: view.id,
        userName: view.userName,
        ticketId,
        reason: 'faults run',
      };
      const answers: Answer[] = [];
      for (let delivery = 0; delivery < 2; delivery++) {
        answers.push(
          await api(withScope(postWith('post-action-logoff', body), 'session-janitor/logoff'))
        );
      }
      tickets.set(ticketId, answers);
    })
  );
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

      const idleHosts = ids.filter((_, i) => i % 10 === 1).slice(0, IDLE_EVENT_HOSTS);
      const ticketHosts = ids.filter((_, i) => i % 10 === 2).slice(0, TICKET_HOSTS);
      // A backlog: these hosts' sweep listings of rounds 1 and 2 (4 and 5) reach command-status
      // only at the start of round 3 (6), 20 and 10 minutes after the hosts listed: one past the
      // staleness bound, one within it. Each held listing: `instance sweep` → when it was listed.
      const backlogHosts = new Set(ids.filter((_, i) => i % 5 === 4));
      const heldStale = new Map<string, string>();
      const heldInBound = new Map<string, string>();
      let holding: Map<string, string> | null = null;
      let holdingSweep = '';
      h.hold = (event) => {
        const id = event.detail['instance-id' as keyof typeof event.detail] as string | undefined;
        if (holding === null || id === undefined || !backlogHosts.has(id)) return false;
        if (event.detail['document-name'] !== READ_DOCUMENT_NAME) return false;
        // What command-status will read: the listing's final status, the host's time of it.
        if (event.detail.status === 'Success') {
          holding.set(`${id} ${holdingSweep}`, `${h.fleet.now().toISOString().slice(0, 19)}Z`);
        }
        return true;
      };
      for (let round = 0; round < ROUNDS; round++) {
        noteLogons();
        if (round > 0 && round % 3 === 0) {
          h.release();
          await h.settle();
        }
        const holds = round + 3 - (round % 3) < ROUNDS;
        holding = !holds
          ? null
          : round % 3 === 1
            ? heldStale
            : round % 3 === 2
              ? heldInBound
              : null;
        holdingSweep = sweepIdOf(h.fleet.now());
        await Promise.all([idleEventsTwice(idleHosts), ticketsTwice(ticketHosts, round)]);
        await sweepTwice();
        holding = null;
        h.fleet.advance(10);
      }
      expect(h.held).toEqual([]);
      // A command whose status event was lost is read back by the first sweep past the action's
      // deadline (13 minutes after it was sent): three sweeps 5 minutes apart, so that every
      // action of the rounds has three chances, a throttled read-back included. The users live
      // on meanwhile, so these sweeps plan and send actions too; those are not yet overdue at
      // the end, and one whose status event was lost is rightly still `dispatched`.
      let reconcilingFrom = Number.POSITIVE_INFINITY;
      for (let sweep = 0; sweep < RECONCILING_SWEEPS; sweep++) {
        h.fleet.advance(5);
        noteLogons();
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
      const byTrigger: Record<string, number> = {};
      for (const a of actions) byTrigger[a.trigger.kind] = (byTrigger[a.trigger.kind] ?? 0) + 1;
      // One sweep window, one action per target: the window's two deliveries, its retries and the
      // listings' repeated status events all come to the same action.
      const perTarget = new Map<string, number>();
      for (const a of actions) {
        if (a.trigger.kind !== 'schedule') continue;
        const key = [a.trigger.sweepId, a.instanceId, ...targetKey(a.target)].join(' ');
        perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
      }
      const sweepOfSend = new Map(
        actions.flatMap((a) => (a.trigger.kind === 'schedule' ? [[a.id, a.trigger.sweepId]] : []))
      );
      // One logon session is logged off, or disconnected, once at most, whichever triggers asked
      // (sweeps, idle events, tickets): a session is its host, its id and its logon (an id is
      // used again by a later logon), as the fleet held it when the action was recorded.
      const endings = new Map<string, string[]>();
      for (const a of actions) {
        if (a.status !== 'succeeded' || a.target.kind !== 'session') continue;
        if (a.operation !== 'logoff' && a.operation !== 'disconnect') continue;
        const logon = logons.get(`${a.instanceId} ${a.target.sessionId} ${a.createdAt}`) ?? '?';
        const key = [a.instanceId, a.target.sessionId, logon, a.operation].join(' ');
        endings.set(key, [...(endings.get(key) ?? []), `${a.trigger.kind} ${a.id}`]);
      }
      const ticketAnswers: Record<string, number> = {};
      for (const answers of tickets.values()) {
        for (const { status, error } of answers) {
          const key = error === null ? String(status) : `${status} ${error}`;
          ticketAnswers[key] = (ticketAnswers[key] ?? 0) + 1;
        }
      }
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
        byTrigger,
        targetsActedOnTwiceInAWindow: [...perTarget.values()].filter((n) => n > 1).length,
        sessionsEnded: endings.size,
        sessionsEndedTwice: [...endings.values()].filter((ids) => ids.length > 1).length,
        idleEvents: idleEventsPut,
        idleEventAttemptsFailed: idleFailures.length,
        idleEventsDeadLettered,
        tickets: tickets.size,
        ticketAnswers,
        planned: planned.length,
        plannedNotInLedger: planned.filter((p) => !known.has(p.actionId)).length,
        oldestListingAtSendMinutes:
          Math.max(0, ...sends.map((s) => s.listingAgeAtSendMs ?? 0)) / 60_000,
        staleListingsHeld: heldStale.size,
        staleListingsRefused: [...heldStale.keys()].filter((k) => refusedStale.has(k)).length,
        inBoundListingsHeld: heldInBound.size,
        sendsFromInBoundListings: sends.filter(
          (s) => heldInBound.get(`${s.instanceId} ${sweepOfSend.get(s.actionId)}`) === s.listedAt
        ).length,
      });

      expect(actions.length).toBeGreaterThan(FULL ? 2_000 : 60);
      for (const action of actions) {
        const detail = JSON.stringify({ action, reconcilingFrom: new Date(reconcilingFrom) });
        if (owed(action)) expect(isTerminal(action.status), detail).toBe(true);
        else if (!isTerminal(action.status)) expect(action.status, detail).toBe('dispatched');
      }
      expect(figures.sentTwice).toBe(0);
      // Every send of a sweep or an idle event went through the staleness check with the listing
      // it was decided on (a ticket names its target itself: no listing), none past the bound.
      // The held listings make it bite: the fleet's clock moves only between rounds, so every
      // other listing is 0 minutes old at its send (listing-age.test.ts lets time pass between
      // a plan and its send).
      expect(sends.length).toBeGreaterThan(FULL ? 2_000 : 60);
      const triggerOf = new Map(actions.map((a) => [a.id, a.trigger.kind]));
      for (const send of sends.filter((s) => triggerOf.get(s.actionId) !== 'api')) {
        expect(send.listingAgeAtSendMs, send.actionId).not.toBeNull();
        expect(send.listingAgeAtSendMs ?? 0, send.actionId).toBeLessThanOrEqual(MAX_LISTING_AGE_MS);
      }
      // A listing held past the bound is refused: nothing planned from it, let alone sent. One
      // held within it is acted on at the age it had (10 minutes).
      expect(heldStale.size).toBeGreaterThan(0);
      for (const [key, listedAt] of heldStale) {
        expect(refusedStale, key).toContain(key);
        const [instanceId, sweepId] = key.split(' ');
        const planned = actions.filter(
          (a) =>
            a.instanceId === instanceId &&
            a.trigger.kind === 'schedule' &&
            a.trigger.sweepId === sweepId
        );
        expect(planned, key).toEqual([]);
        expect(
          sends.filter((s) => s.instanceId === instanceId && s.listedAt === listedAt),
          key
        ).toEqual([]);
      }
      expect(figures.sendsFromInBoundListings).toBeGreaterThan(0);
      expect(Math.max(...sends.map((s) => s.listingAgeAtSendMs ?? 0))).toBeGreaterThanOrEqual(
        10 * 60_000
      );
      expect(sweepsDeadLettered).toBe(0);
      expect(new Set(sweepFailures)).toEqual(
        new Set(sweepFailures.length > 0 ? ['ThrottledError'] : [])
      );
      expect(figures.unrecordedCommands).toBe(0);
      expect(figures.targetsActedOnTwiceInAWindow).toBe(0);
      expect(endings.size).toBeGreaterThan(FULL ? 2_000 : 60);
      expect([...endings.keys()].filter((key) => key.includes(' ? '))).toEqual([]);
      expect([...endings].filter(([, ids]) => ids.length > 1)).toEqual([]);
      // What the use cases reported planned, the ledger holds; and it holds nothing unplanned.
      expect(planned.length).toBeGreaterThan(0);
      expect(figures.plannedNotInLedger).toBe(0);
      expect(new Set(planned.map((p) => p.actionId))).toEqual(known);
      // The idle events were read and acted on under the same faults, none dead-lettered.
      expect(byTrigger['idle-event'] ?? 0).toBeGreaterThan(0);
      expect(idleEventsDeadLettered).toBe(0);
      // An attempt fails only on SSM's throttling (the check or the action it planned could not
      // be sent yet: RetryLaterError), for Lambda to try again.
      for (const name of idleFailures)
        expect(['ThrottledError', 'RetryLaterError']).toContain(name);
      // Each ticket is one action, its repeat answered with that action as it is (202). A ticket
      // whose SendCommand SSM throttled past its five attempts is answered 502 (dispatch-failed):
      // its action then ended unsent (or, SSM unable to say whether it was sent, left to
      // reconcile, which found it unsent), never left for someone to send again. One whose live
      // lookup of the host SSM throttled past its attempts is answered 503 (ssm-busy) with
      // nothing recorded: its repeat records the action and sends it.
      expect(tickets.size).toBeGreaterThan(0);
      for (const [ticketId, answers] of tickets) {
        const own = actions.filter(
          (a) => a.trigger.kind === 'api' && a.trigger.ticketId === ticketId
        );
        const detail = `${ticketId} ${JSON.stringify({ answers, actions: own })}`;
        for (const { status, error } of answers) {
          expect(['202', '502 dispatch-failed', '503 ssm-busy'], detail).toContain(
            error === null ? String(status) : `${status} ${error}`
          );
        }
        const recording = answers.filter((a) => a.error !== 'ssm-busy');
        expect(own.length, detail).toBe(recording.length > 0 ? 1 : 0);
        expect(
          recording.map((a) => a.created),
          detail
        ).toEqual(recording.map((_, i) => i === 0));
        if (recording[0]?.error === 'dispatch-failed') {
          expect(own[0]?.commandId ?? null, detail).toBeNull();
          expect(['failed', 'undeliverable', 'cancelled'], detail).toContain(own[0]?.status);
        }
      }
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
