import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../../lib/actions/transitions.js';
import { sweepIdOf } from '../../../lib/sweep/sweep.js';
import { lambdaContext } from '../../../local/runtime/lambda-context.js';
import { postWith } from '../api/harness.js';
import { type Harness, sample, sqs, startHarness } from './harness.js';

const policy = {
  version: 1,
  default: {
    disconnectIdleMinutes: 60,
    logoffDisconnectedMinutes: 240,
    exclude: { users: ['svc_*'] },
    maxActionsPerHost: 20,
  },
  groups: {
    strict: {
      disconnectIdleMinutes: null,
      logoffIdleMinutes: 30,
      warn: { minutesBefore: 10, message: 'You will be logged off in {minutes} minutes.' },
    },
  },
};

describe('schedule → sweep → command-status', () => {
  let h: Harness;
  let usHost: string;
  let deHost: string;

  beforeAll(async () => {
    h = await startHarness({ policy });
    usHost = h.instance(0);
    deHost = h.instance(1);
  });
  afterAll(() => h.close());

  it('disconnects an idle session and carries every planned action to a terminal state', async () => {
    const sessionId = h.fleet.addSession(usHost, {
      user: 'CORP\\zed.idle',
      idleMinutes: 90,
      loggedOnMinutes: 200,
    });

    const result = (await h.sweepAt(h.fleet.now())) as { sweepId: string; commandIds: string[] };
    await h.settle();

    expect(result.sweepId).toBe(sweepIdOf(h.fleet.now()));
    expect(result.commandIds).toHaveLength(2);
    const actions = await h.actionsOf(usHost);
    const zed = actions.find(
      (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith('zed.idle')
    );
    expect(zed).toMatchObject({
      operation: 'disconnect',
      status: 'succeeded',
      policy: 'default',
      trigger: { kind: 'schedule', sweepId: result.sweepId },
      reason: "active, idle 90 min ≥ 60 min (policy 'default')",
    });
    expect(h.fleet.host(usHost).sessions.find((s) => s.id === sessionId)?.state).toBe(
      'disconnected'
    );
    for (const action of [...actions, ...(await h.actionsOf(deHost))]) {
      expect(isTerminal(action.status), `${action.id} ${action.status}`).toBe(true);
    }
    const sweep = await h.runtime.ledger.getSweep(result.sweepId);
    expect(sweep?.counters.hostsAsked).toBe(2);
  });

  it('never disconnects the console and records excluded users as skipped', async () => {
    const host = h.fleet.host(usHost);
    const consoleIds = host.sessions.filter((s) => s.console).map((s) => s.id);
    const actions = await h.actionsOf(usHost);

    expect(consoleIds.length).toBeGreaterThan(0);
    expect(
      actions.filter(
        (a) =>
          a.operation === 'disconnect' &&
          a.target.kind === 'session' &&
          consoleIds.includes(a.target.sessionId)
      )
    ).toEqual([]);
    const service = actions.filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser.startsWith('svc_')
    );
    expect(service.length).toBeGreaterThan(0);
    for (const action of service) {
      expect(action.status).toBe('skipped');
      expect(action.result?.errorCode).toBe('policy:excluded');
      expect(action.reason).toContain("user matches exclusion 'svc_*'");
    }

    // The next sweep sees the same excluded logon sessions and records nothing new for them.
    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const again = (await h.actionsOf(usHost)).filter(
      (a) => a.target.kind === 'session' && a.target.expectedUser.startsWith('svc_')
    );
    expect(again.map((a) => a.id).sort()).toEqual(service.map((a) => a.id).sort());
  });

  it('warns first, then logs off a session still idle at the deadline', async () => {
    const sessionId = h.fleet.addSession(deHost, { user: 'CORP\\wanda', idleMinutes: 25 });
    const wanda = (list: Awaited<ReturnType<Harness['actionsOf']>>) =>
      list.filter((a) => a.target.kind === 'session' && a.target.expectedUser === 'wanda');

    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const warned = wanda(await h.actionsOf(deHost));
    expect(warned.map((a) => [a.operation, a.status, a.policy])).toEqual([
      ['notify', 'succeeded', 'strict'],
    ]);
    expect(warned[0]?.message).toBe('You will be logged off in 10 minutes.');
    expect(warned[0]?.warnSeconds).toBe(600);
    expect(h.fleet.host(deHost).notifications.some((n) => n.sessionId === sessionId)).toBe(true);

    h.fleet.advance(11);
    await h.sweepAt(h.fleet.now());
    await h.settle();

    const after = wanda(await h.actionsOf(deHost));
    expect(after.map((a) => [a.operation, a.status])).toEqual([
      ['notify', 'succeeded'],
      ['logoff', 'succeeded'],
    ]);
    expect(after[1]?.reason).toMatch(/still idle 37 min ≥ 30 min, 1[12] min after the warning/);
    expect(h.fleet.host(deHost).sessions.some((s) => s.id === sessionId)).toBe(false);
  });

  it('records the warned logoff as skipped, once, when the user comes back before the deadline', async () => {
    const sessionId = h.fleet.addSession(deHost, { user: 'CORP\\walt', idleMinutes: 25 });
    const walt = async () =>
      (await h.actionsOf(deHost)).filter(
        (a) => a.target.kind === 'session' && a.target.expectedUser === 'walt'
      );

    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    expect((await walt()).map((a) => [a.operation, a.status])).toEqual([['notify', 'succeeded']]);

    h.fleet.advance(4);
    h.fleet.touchSession(deHost, sessionId);
    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    h.fleet.advance(10);
    await h.sweepAt(h.fleet.now());
    await h.settle();

    const after = await walt();
    expect(after.map((a) => [a.operation, a.status, a.result?.errorCode ?? null])).toEqual([
      ['notify', 'succeeded', null],
      ['logoff', 'skipped', 'policy:user-active'],
    ]);
    expect(after[1]?.reason).toMatch(
      /^warned at \S+ \(policy 'strict'\); skipped: user active again at \S+Z, idle 1 min$/
    );
    expect(h.fleet.host(deHost).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('still warns before a logoff when the help desk sent the session a message of its own', async () => {
    const sessionId = h.fleet.addSession(deHost, { user: 'CORP\\hugo', idleMinutes: 15 });
    const hugo = async () =>
      (await h.actionsOf(deHost)).filter(
        (a) => a.target.kind === 'session' && a.target.expectedUser.toLowerCase().endsWith('hugo')
      );
    const { createApiHandler } = await import('../../../functions/api.js');
    const api = createApiHandler(h.runtime);
    const message = postWith('post-action-notify', {
      instanceId: deHost,
      sessionId,
      userName: 'hugo',
      ticketId: 'CHG-HUGO-1',
      message: 'Maintenance tonight at 22:00',
    });
    const answer = await api(message, lambdaContext('api', randomUUID()));
    expect(answer.statusCode).toBe(202);
    await h.settle();
    expect((await hugo()).map((a) => [a.operation, a.status, a.policy])).toEqual([
      ['notify', 'succeeded', null],
    ]);

    h.fleet.advance(16);
    await h.sweepAt(h.fleet.now());
    await h.settle();

    const after = await hugo();
    expect(after.map((a) => [a.operation, a.status, a.policy])).toEqual([
      ['notify', 'succeeded', null],
      ['notify', 'succeeded', 'strict'],
    ]);
    expect(after[1]?.message).toBe('You will be logged off in 10 minutes.');
    expect(h.fleet.host(deHost).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('sends nothing again when the same scheduled sweep is delivered twice', async () => {
    const before = h.ssm.commands().length;

    const again = (await h.sweepAt(h.fleet.now())) as { repeated: boolean; commandIds: string[] };
    await h.settle();

    expect(again.repeated).toBe(true);
    expect(again.commandIds).toEqual([]);
    expect(h.ssm.commands().length).toBe(before);
  });

  it('treats duplicated, late and unknown status events as harmless', async () => {
    const snapshot = [...(await h.actionsOf(usHost)), ...(await h.actionsOf(deHost))];
    const commands = h.ssm.commands().length;
    const unknown = (await sample<SQSEvent>('sqs/command-status-batch.json')).Records.map(
      (r) => r.body
    );

    const response = await h.status(sqs([...h.delivered, ...unknown]));
    await h.settle();

    expect(response.batchItemFailures).toEqual([]);
    expect(h.ssm.commands().length).toBe(commands);
    expect([...(await h.actionsOf(usHost)), ...(await h.actionsOf(deHost))]).toEqual(snapshot);
  });

  it('fails only the malformed record of a batch, and changes nothing for it', async () => {
    const batch = sqs([h.delivered[0] ?? '', '{"source":"aws.ssm","detail":{}}', 'not json']);

    const response = await h.status(batch);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      batch.Records[1]?.messageId,
      batch.Records[2]?.messageId,
    ]);
  });

  it('resolves a dispatched action whose status event was lost, at the next sweep', async () => {
    h.fleet.addSession(usHost, { user: 'CORP\\lost.event', idleMinutes: 120 });
    h.dropActionEvents = true;
    h.fleet.advance(1);
    await h.sweepAt(h.fleet.now());
    await h.settle();
    const lost = () =>
      h
        .actionsOf(usHost)
        .then((list) =>
          list.find(
            (a) => a.target.kind === 'session' && a.target.expectedUser.endsWith('lost.event')
          )
        );
    expect((await lost())?.status).toBe('dispatched');

    h.dropActionEvents = false;
    h.fleet.advance(20);
    const next = (await h.sweepAt(h.fleet.now())) as {
      reconciled: { checked: number; completed: number };
    };
    await h.settle();

    expect(next.reconciled.completed).toBeGreaterThanOrEqual(1);
    expect((await lost())?.status).toBe('succeeded');
  });

  it('refuses a malformed schedule event with a typed error', async () => {
    await expect(h.sweep({ source: 'aws.scheduler', time: 'yesterday' })).rejects.toMatchObject({
      name: 'ParseError',
    });
  });
});

describe('dry run and fleet-wide blast radius', () => {
  it('plans and records a dry-run group as skipped, sending no action', async () => {
    const h = await startHarness({
      policy: { version: 1, default: { disconnectIdleMinutes: 30, dryRun: true } },
    });
    try {
      h.fleet.addSession(h.instance(0), { user: 'CORP\\dry.run', idleMinutes: 45 });

      await h.sweepAt(h.fleet.now());
      await h.settle();

      const actions = await h.actionsOf(h.instance(0));
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(action).toMatchObject({ status: 'skipped', dryRun: true });
      }
      expect(
        actions.some(
          (a) => a.result?.errorCode === 'policy:dry-run' && a.reason.endsWith('dry run')
        )
      ).toBe(true);
      expect(h.ssm.commands().every((c) => c.parameters.Operation?.[0] === 'ListSessions')).toBe(
        true
      );
    } finally {
      await h.close();
    }
  });

  it('sends at most the fleet limit per sweep across hosts', async () => {
    const h = await startHarness({
      policy: {
        version: 1,
        fleet: { maxActionsPerSweep: 2 },
        default: {
          disconnectIdleMinutes: 1,
          logoffDisconnectedMinutes: 1,
          exclude: { users: ['svc_*'] },
          maxActionsPerHost: 50,
        },
      },
      fleet: { hosts: 3 },
    });
    try {
      const result = (await h.sweepAt(h.fleet.now())) as { sweepId: string };
      await h.settle();

      const actions = (await Promise.all([0, 1, 2].map((i) => h.actionsOf(h.instance(i))))).flat();
      const sent = actions.filter((a) => a.commandId !== null);
      expect(actions.length).toBeGreaterThan(2);
      expect(sent).toHaveLength(2);
      const held = actions.filter(
        (a) => a.commandId === null && a.result?.errorCode !== 'policy:excluded'
      );
      expect(held.length).toBeGreaterThan(0);
      for (const action of held) {
        expect(action).toMatchObject({
          status: 'skipped',
          result: { errorCode: 'policy:fleet-limit' },
        });
      }
      expect((await h.runtime.ledger.getSweep(result.sweepId))?.counters.actionsPlanned).toBe(2);
    } finally {
      await h.close();
    }
  });
});

describe('the per-host limit', () => {
  it('is spent only by what is sent: a host the fleet limit left out never reads "host limit"', async () => {
    const h = await startHarness({
      policy: {
        version: 1,
        fleet: { maxActionsPerSweep: 2 },
        default: { disconnectIdleMinutes: 60, maxActionsPerHost: 1, exclude: { users: ['svc_*'] } },
      },
      fleet: { hosts: 3 },
    });
    try {
      const hosts = [0, 1, 2].map((i) => h.instance(i));
      for (const host of hosts) {
        for (const n of [1, 2])
          h.fleet.addSession(host, { user: `CORP\\limit${n}`, idleMinutes: 90 });
      }

      await h.sweepAt(h.fleet.now());
      await h.settle();

      const perHost = await Promise.all(hosts.map((host) => h.actionsOf(host)));
      const sent = perHost.map((actions) => actions.filter((a) => a.commandId !== null).length);
      expect(sent.reduce((a, b) => a + b, 0)).toBe(2);
      for (const [i, actions] of perHost.entries()) {
        const codes = actions
          .map((a) => a.result?.errorCode)
          .filter((c) => c !== 'policy:excluded');
        if (sent[i] === 0) {
          expect(codes.filter((c) => c === 'policy:host-limit')).toEqual([]);
          expect(actions.some((a) => a.reason.includes('host limit'))).toBe(false);
        } else {
          expect(codes).toContain('policy:host-limit');
        }
      }
    } finally {
      await h.close();
    }
  });
});

describe('under SSM throttling', () => {
  it('still brings every planned action to a terminal state, sending each once', async () => {
    const h = await startHarness({
      policy: {
        version: 1,
        default: { disconnectIdleMinutes: 1, logoffDisconnectedMinutes: 1, maxActionsPerHost: 50 },
      },
      fleet: { hosts: 3 },
      faults: { throttleRate: 0.5 },
    });
    try {
      await h.sweepAt(h.fleet.now());
      await h.settle();

      const actions = (await Promise.all([0, 1, 2].map((i) => h.actionsOf(h.instance(i))))).flat();
      expect(actions.length).toBeGreaterThan(3);
      for (const action of actions) {
        expect(isTerminal(action.status), `${action.id} ${action.status}`).toBe(true);
      }
      const sent = h.ssm.commands().filter((c) => c.comment.startsWith('sj:act:'));
      expect(new Set(sent.map((c) => c.comment)).size).toBe(sent.length);
      expect(h.deadLetters).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('a session listing that comes back late', () => {
  it('acts on nothing from a listing redriven long after the host produced it', async () => {
    const h = await startHarness({
      policy: { version: 1, default: { logoffDisconnectedMinutes: 240 } },
    });
    try {
      const host = h.instance(0);
      const sessionId = h.fleet.addSession(host, {
        user: 'CORP\\late.reading',
        state: 'disconnected',
        idleMinutes: 250,
      });
      // The ledger is unreachable while the sweep's listing is processed: it ends dead-lettered.
      const getSweepBudget = h.runtime.ledger.getSweepBudget;
      h.runtime.ledger.getSweepBudget = async () => {
        throw new Error('ProvisionedThroughputExceededException');
      };
      await h.sweepAt(h.fleet.now());
      await h.settle();
      h.runtime.ledger.getSweepBudget = getSweepBudget;
      const listings = h.deadLetters.map((d) => d.body);
      expect(listings.length).toBeGreaterThan(0);
      const before = h.ssm.commands().length;

      // An hour later the dead letters are redriven: the listing describes a past the host has left.
      h.fleet.advance(60);
      const response = await h.status(sqs(listings));

      expect(response.batchItemFailures).toEqual([]);
      expect(h.ssm.commands().length).toBe(before);
      expect(await h.actionsOf(host)).toEqual([]);
      expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('status events for command ids SSM does not know', () => {
  it('hands every fresh record back to the queue at once, and drops them once they are old', async () => {
    const h = await startHarness({ policy: { version: 1 } });
    try {
      const { createCommandStatusHandler } = await import('../../../functions/command-status.js');
      const { createRuntime } = await import('../../../functions/shared/runtime.js');
      // The deployed waiting time for an invisible invocation (5 s), not the harness's shortcut.
      const runtime = createRuntime(h.runtime.config, {
        clients: h.runtime.clients,
        clock: h.runtime.send.clock,
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
      });
      const status = createCommandStatusHandler(runtime);
      const template = await sample('ssm/command-invocation-status-change.json');
      const host = h.instance(0);
      const bodies = Array.from({ length: 10 }, () =>
        JSON.stringify({
          ...template,
          id: randomUUID(),
          resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${host}`],
          detail: {
            ...(template.detail as object),
            'command-id': randomUUID(),
            'instance-id': host,
          },
        })
      );
      const queuedAt = (event: SQSEvent, at: number): SQSEvent => ({
        Records: event.Records.map((r) => ({
          ...r,
          attributes: { ...r.attributes, SentTimestamp: String(at) },
        })),
      });

      // Another document's event in the same batch is handled, so the batch fails only in part.
      const foreign = JSON.stringify({
        ...template,
        detail: { ...(template.detail as object), 'document-name': 'AWS-RunShellScript' },
      });
      const fresh = queuedAt(sqs([...bodies, foreign]), Date.now());
      const started = Date.now();
      const first = await status(fresh, lambdaContext('command-status', randomUUID()));
      const elapsed = Date.now() - started;

      expect(first?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
        fresh.Records.slice(0, 10).map((r) => r.messageId)
      );
      // Ten records in sequence, none waited on: far less than one 5 s wait.
      expect(elapsed).toBeLessThan(2_500);

      const old = queuedAt(sqs(bodies), Date.now() - 60_000);
      const second = await status(old, lambdaContext('command-status', randomUUID()));
      expect(second?.batchItemFailures).toEqual([]);
      expect(await h.actionsOf(host)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
