import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, postWith, startApiHarness, withScope } from './harness.js';

/** The policy's exclusions and the console bind ticket actions too, unless a request overrides. */
let h: ApiHarness;
let host: string;

beforeAll(async () => {
  h = await startApiHarness({
    policy: {
      version: 1,
      userGroups: { admins: ['Administrator'] },
      default: { exclude: { users: ['svc_*'], groups: ['admins'] } },
    },
  });
  host = h.hostId('RDSH-US-01');
});
afterAll(() => h.close());

const LOGOFF_AND_OVERRIDE = 'session-janitor/logoff session-janitor/override';
const commands = () => h.localSsm.commands().length;
const alive = (sessionId: number) => h.fleet.host(host).sessions.some((s) => s.id === sessionId);
const consoleCommands = () =>
  h.localSsm
    .commands()
    .filter(
      (c) => c.comment.startsWith('sj:act:') && c.parameters.SessionId?.[0] === String(consoleId())
    );
const consoleId = () => {
  const id = h.fleet.host(host).sessions.find((s) => s.sessionName === 'console')?.id;
  if (id === undefined) throw new Error('the host has no console session');
  return id;
};

describe('ticket actions on excluded users and the console', () => {
  it('refuses a logoff of an excluded user with 403 excluded, recording and sending nothing', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\svc_report' });
    const before = commands();

    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\svc_report',
        ticketId: 'EXCL-1',
      })
    );

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatchObject({
      error: 'excluded',
      message: expect.stringContaining("'svc_*'"),
    });
    expect(commands()).toBe(before);
    expect((await h.ledger.listByTicket('EXCL-1')).items).toEqual([]);
    expect(alive(sessionId)).toBe(true);
  });

  it('refuses the console Administrator read from the host, as the help desk asked for it', async () => {
    const sessionId = consoleId();
    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId: consoleId(),
        // As `janitor logoff HOST 1 --ticket INC-4720` asks: the user is read from the host.
        userName: undefined,
        ticketId: 'INC-4720',
      })
    );

    // Both bind: the console is refused first, and the Administrator would be next.
    expect(response).toMatchObject({ statusCode: 403, body: { error: 'console-session' } });
    expect(consoleCommands()).toEqual([]);
    expect(alive(sessionId)).toBe(true);
  });

  it('refuses the console read from the host also once it is disconnected and quser names it no more (issue 12.5)', async () => {
    const other = h.hostId('RDSH-DE-01');
    const admin = h.fleet.host(other).sessions.find((s) => s.sessionName === 'console');
    if (admin) h.fleet.logOff(other, admin.id);
    const sessionId = h.fleet.addSession(other, {
      user: 'CORP\\desk.user',
      console: true,
      state: 'disconnected',
      idleMinutes: 90,
      disconnectedMinutes: 60,
    });
    expect(h.fleet.host(other).sessions.find((s) => s.id === sessionId)?.sessionName).toBeNull();
    const before = commands();

    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: other,
        sessionId,
        userName: undefined,
        ticketId: 'INC-4721',
      })
    );

    expect(response).toMatchObject({ statusCode: 403, body: { error: 'console-session' } });
    // The listing only: no logoff was sent.
    expect(
      h.localSsm
        .commands()
        .slice(before)
        .map((c) => c.parameters.Operation?.[0])
    ).toEqual(['ListSessions']);
    expect(h.fleet.host(other).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('needs the override scope for override: "exclusion"', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\svc_noscope' });
    const before = commands();

    const response = await h.invoke(
      postWith('post-action-logoff', {
        instanceId: host,
        sessionId,
        userName: 'CORP\\svc_noscope',
        ticketId: 'EXCL-2',
        override: 'exclusion',
      })
    );

    expect(response).toMatchObject({ statusCode: 403, body: { error: 'forbidden' } });
    expect(commands()).toBe(before);
  });

  it('acts on an excluded user when the request overrides, and records the pattern it overrode', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\svc_override' });

    const response = await h.invoke(
      withScope(
        postWith('post-action-logoff', {
          instanceId: host,
          sessionId,
          userName: 'CORP\\svc_override',
          ticketId: 'EXCL-3',
          override: 'exclusion',
        }),
        LOGOFF_AND_OVERRIDE
      )
    );
    await h.settle();

    expect(response).toMatchObject({ statusCode: 202, body: { created: true } });
    expect(await h.action(String(response.body.actionId))).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'api', ticketId: 'EXCL-3', overrides: { exclusion: 'svc_*' } },
    });
    expect(alive(sessionId)).toBe(false);
  });

  it('refuses the console even with the exclusion overridden, unless console: true', async () => {
    const request = {
      instanceId: host,
      sessionId: consoleId(),
      userName: undefined,
      ticketId: 'INC-4721',
      override: 'exclusion',
    };

    const refused = await h.invoke(
      withScope(postWith('post-action-logoff', request), LOGOFF_AND_OVERRIDE)
    );
    expect(refused).toMatchObject({ statusCode: 403, body: { error: 'console-session' } });
    expect(consoleCommands()).toEqual([]);

    const allowed = await h.invoke(
      withScope(postWith('post-action-logoff', { ...request, console: true }), LOGOFF_AND_OVERRIDE)
    );
    await h.settle();
    expect(allowed).toMatchObject({ statusCode: 202 });
    expect(await h.action(String(allowed.body.actionId))).toMatchObject({
      trigger: { overrides: { exclusion: 'Administrator', console: true } },
    });
  });
});
