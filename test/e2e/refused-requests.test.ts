import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SCOPES } from '../../lib/contract.js';
import { type E2e, startE2e } from './harness.js';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.stop();
});

/** What PowerShell, cmd.exe or a command line could give meaning to, and what is merely too long. */
const INJECTIONS: readonly string[] = [
  '; Stop-Computer -Force',
  ' | Out-File C:\\pwned.txt',
  '`; calc.exe',
  '$(Stop-Computer -Force)',
  `\${env:ComputerName}`,
  '\nStop-Computer -Force',
  '\r\nshutdown /s',
  '"; calc.exe; "',
  "'; calc.exe; '",
  '\u201c; calc.exe; \u201d',
  ' --% & calc.exe',
  ' && calc.exe',
  ' > C:\\Windows\\win.ini',
  '%COMSPEC% /c calc',
  '\u0000',
  'x'.repeat(5000),
];

/**
 * `&`, `$`, `%`, `(`, `)` are legal in Windows file names ("Risks & Issues.xlsx", "$Recycle.Bin") and
 * in the document's ExpectedPath pattern: appended to a path, these are file names, not
 * injections, since the host only compares the path as a string (see below).
 */
const FILE_NAME_TEXTS: readonly string[] = [
  ' && calc.exe',
  '$(Stop-Computer -Force)',
  ' --% & calc.exe',
];

interface Case {
  name: string;
  body: Record<string, unknown>;
  /** Fields whose value a caller types in. */
  fields: readonly string[];
}

function sessionCases(e2e: E2e): Case[] {
  const host = e2e.hostId('RDSH-US-02');
  const sessionId = e2e.runtime.fleet.addSession(host, { user: 'CORP\\e2e.target' });
  const common = {
    instanceId: host,
    sessionId,
    userName: 'e2e.target',
    ticketId: 'INJ-1',
    reason: 'injection probe',
  };
  const fields = ['instanceId', 'userName', 'ticketId', 'reason'];
  return [
    { name: 'logoff', body: { operation: 'logoff', ...common }, fields },
    { name: 'disconnect', body: { operation: 'disconnect', ...common }, fields },
    {
      name: 'notify',
      body: { operation: 'notify', ...common, message: 'Please save your work', warnSeconds: 60 },
      fields: [...fields, 'message'],
    },
  ];
}

function fileCases(e2e: E2e): Case[] {
  const host = e2e.hostId('FS-US-01');
  const path = 'D:\\Shares\\Finance\\Injection Probe.xlsx';
  const fileId = e2e.runtime.fleet.addOpenFile(host, {
    path,
    clientComputerName: 'PC-PROBE',
    user: 'e2e.probe',
  });
  const common = { instanceId: host, ticketId: 'INJ-2', reason: 'injection probe' };
  return [
    {
      name: 'close-file',
      body: { operation: 'close-file', ...common, fileId, path },
      fields: ['instanceId', 'fileId', 'path', 'ticketId', 'reason'],
    },
    {
      name: 'end-smb-session',
      body: {
        operation: 'end-smb-session',
        ...common,
        clientName: 'PC-PROBE',
        userName: 'e2e.probe',
        confirm: false,
      },
      fields: ['instanceId', 'clientName', 'userName', 'ticketId', 'reason'],
    },
  ];
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  }
  return results;
}

describe('requests carrying an injection string', () => {
  it('answers 400 naming the field for every field of every operation, and sends nothing', async () => {
    const cases = [...sessionCases(e2e), ...fileCases(e2e)];
    const commandsBefore = e2e.runtime.ssm.commands().length;
    const probes = cases.flatMap((c) =>
      c.fields.flatMap((field) =>
        INJECTIONS.filter((i) => !(field === 'path' && FILE_NAME_TEXTS.includes(i))).map(
          (injection) => ({
            label: `${c.name} ${field} ${JSON.stringify(injection.slice(0, 30))}`,
            field,
            body: { ...c.body, [field]: `${String(c.body[field])}${injection}` },
          })
        )
      )
    );
    // Non-string fields get strings, and the operation itself is probed too.
    for (const c of cases) {
      for (const field of ['sessionId', 'warnSeconds', 'fileId', 'confirm', 'operation']) {
        if (!(field in c.body)) continue;
        for (const injection of INJECTIONS.slice(0, 4)) {
          probes.push({
            label: `${c.name} ${field} as text`,
            field,
            body: { ...c.body, [field]: `${String(c.body[field])}${injection}` },
          });
        }
      }
    }
    expect(probes.length).toBeGreaterThan(350);

    const answers = await inBatches(probes, 25, async (probe) => ({
      probe,
      response: await e2e.call('POST', '/v1/actions', { body: probe.body }),
    }));
    for (const { probe, response } of answers) {
      expect(response.status, probe.label).toBe(400);
      expect(response.body.error, probe.label).toBe('bad-request');
      const paths = (response.body.fields as Array<{ path: string }>).map((f) => f.path);
      expect(paths, probe.label).toContain(`body.${probe.field}`);
    }

    await e2e.runtime.settle();
    expect(e2e.runtime.ssm.commands().length).toBe(commandsBefore);
    expect(await e2e.ticketActions('INJ-1')).toEqual([]);
    expect(await e2e.ticketActions('INJ-2')).toEqual([]);

    // The same requests without the injected text are accepted: the 400s were the fields' doing.
    for (const c of cases) {
      const response = await e2e.call('POST', '/v1/actions', { body: c.body });
      expect(response.status, c.name).toBe(202);
    }
    await e2e.runtime.settle();
    expect(e2e.actionCommands()).toBe(cases.length);
  });

  it('refuses unknown fields, smuggled document parameters and bodies that are not JSON', async () => {
    const host = e2e.hostId('RDSH-US-02');
    const before = e2e.runtime.ssm.commands().length;
    const base = {
      operation: 'logoff',
      instanceId: host,
      sessionId: 2,
      userName: 'e2e.nobody',
      ticketId: 'INJ-3',
      reason: 'injection probe',
    };
    const bodies = [
      JSON.stringify({ ...base, Operation: 'ListSessions' }),
      JSON.stringify({ ...base, parameters: { SessionId: ['2; calc'] } }),
      JSON.stringify({ ...base, script: 'Stop-Computer' }),
      JSON.stringify([base]),
      '{"operation":"logoff",',
      'operation=logoff',
    ];
    for (const rawBody of bodies) {
      const response = await e2e.call('POST', '/v1/actions', { rawBody });
      expect(response, rawBody).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('INJ-3')).toEqual([]);
  });

  it.each(FILE_NAME_TEXTS.map((text, i) => [text, `INJ-${5 + i}`]))(
    'passes a path ending in %j to the host as data only, where it matches no open file',
    async (text, ticketId) => {
      const host = e2e.hostId('FS-US-01');
      const path = `D:\\Shares\\Finance\\Probe ${ticketId}.xlsx`;
      const fileId = e2e.runtime.fleet.addOpenFile(host, {
        path,
        clientComputerName: 'PC-PROBE',
        user: 'e2e.probe',
      });
      const before = e2e.runtime.ssm.commands().length;
      const body = {
        operation: 'close-file',
        instanceId: host,
        fileId,
        path: `${path}${text}`,
        ticketId,
        reason: 'injection probe',
      };
      const response = await e2e.call('POST', '/v1/actions', { body });
      expect(response.status).toBe(202);
      await e2e.runtime.settle();

      const sent = e2e.runtime.ssm.commands().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.parameters).toMatchObject({ ExpectedPath: [`${path}${text}`] });
      // The host compared the text with the file's path, found them different and closed nothing.
      const [action] = await e2e.ticketActions(ticketId);
      expect(action?.status).not.toBe('succeeded');
      expect(action?.result?.errorCode).toMatch(/^guard:/);
      expect(e2e.runtime.fleet.host(host).openFiles.map((f) => f.fileId)).toContain(fileId);
    }
  );

  it('answers 400 to injection strings in path and query parameters and sends nothing', async () => {
    const host = e2e.hostId('RDSH-US-02');
    const before = e2e.runtime.ssm.commands().length;
    for (const injection of INJECTIONS) {
      const id = encodeURIComponent(`${host}${injection}`);
      for (const path of [
        `/v1/hosts/${id}/sessions`,
        `/v1/hosts/${id}/open-files`,
        `/v1/actions?instanceId=${id}`,
        `/v1/actions?ticketId=${encodeURIComponent(`INJ-4${injection}`)}`,
        `/v1/actions/${encodeURIComponent(`act_${'a'.repeat(26)}${injection}`)}`,
      ]) {
        const response = await e2e.call('GET', path);
        expect(response.status, path).toBe(400);
      }
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
  });
});

describe('who may ask what', () => {
  const logoffBody = (instanceId: string, sessionId: number, ticketId: string) => ({
    operation: 'logoff',
    instanceId,
    sessionId,
    userName: 'e2e.guarded',
    ticketId,
    reason: 'access probe',
  });

  it('answers 401 without a token or with one it cannot verify, before anything runs', async () => {
    const host = e2e.hostId('RDSH-DE-01');
    const sessionId = e2e.runtime.fleet.addSession(host, { user: 'CORP\\e2e.guarded' });
    const before = e2e.runtime.ssm.commands().length;
    const expired = await e2e.runtime.tokens.issue({
      subject: 'old-shift',
      scopes: Object.values(API_SCOPES),
      ttlSeconds: -60,
    });
    const tokens = [null, 'not-a-jwt', `${e2e.runtime.token}x`, expired];
    for (const token of tokens) {
      const post = await e2e.call('POST', '/v1/actions', {
        token,
        body: logoffBody(host, sessionId, 'AUTH-1'),
      });
      expect(post.status, String(token)).toBe(401);
      expect((await e2e.call('GET', `/v1/hosts/${host}/sessions`, { token })).status).toBe(401);
      expect((await e2e.call('GET', '/v1/actions?ticketId=AUTH-1', { token })).status).toBe(401);
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('AUTH-1')).toEqual([]);
    expect(e2e.runtime.fleet.host(host).sessions.map((s) => s.id)).toContain(sessionId);
  });

  it('answers 403 to a token without the scope the route or the operation needs', async () => {
    const host = e2e.hostId('RDSH-DE-01');
    const sessionId = e2e.runtime.fleet.addSession(host, { user: 'CORP\\e2e.guarded' });
    const before = e2e.runtime.ssm.commands().length;
    const read = await e2e.token([API_SCOPES.read]);
    const act = await e2e.token([API_SCOPES.act]);
    const files = await e2e.token([API_SCOPES.files]);
    const logoff = await e2e.token([API_SCOPES.logoff]);

    for (const token of [read, act, files]) {
      const response = await e2e.call('POST', '/v1/actions', {
        token,
        body: logoffBody(host, sessionId, 'AUTH-2'),
      });
      expect(response.status).toBe(403);
    }
    const closeWithAct = await e2e.call('POST', '/v1/actions', {
      token: act,
      body: {
        operation: 'close-file',
        instanceId: e2e.hostId('FS-DE-01'),
        path: 'D:\\Shares\\Finance\\Q3 Report.xlsx',
        ticketId: 'AUTH-2',
        reason: 'access probe',
      },
    });
    expect(closeWithAct).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    for (const path of [`/v1/hosts/${host}/sessions`, '/v1/actions?ticketId=AUTH-2']) {
      expect((await e2e.call('GET', path, { token: logoff })).status).toBe(403);
    }
    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('AUTH-2')).toEqual([]);

    // The right scope gets through with the very same request.
    const allowed = await e2e.call('POST', '/v1/actions', {
      token: logoff,
      body: logoffBody(host, sessionId, 'AUTH-2'),
    });
    expect(allowed.status).toBe(202);
    await e2e.runtime.settle();
    expect(await e2e.ticketActions('AUTH-2')).toMatchObject([
      { status: 'succeeded', trigger: { caller: 'helpdesk-e2e' } },
    ]);
  });

  it('answers 403 for a host without the managed tag and 404 for an unknown one, sending nothing', async () => {
    const lab = e2e.hostId('RDSH-LAB-01');
    const sessionsBefore = e2e.runtime.fleet.host(lab).sessions;
    const before = e2e.runtime.ssm.commands().length;
    const victim = sessionsBefore.find((s) => !s.console);
    expect(victim).toBeDefined();

    const post = await e2e.call('POST', '/v1/actions', {
      body: { ...logoffBody(lab, victim?.id ?? 0, 'AUTH-3'), userName: victim?.userName },
    });
    expect(post).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const sessions = await e2e.call('GET', `/v1/hosts/${lab}/sessions`);
    expect(sessions).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const unknown = await e2e.call('GET', '/v1/hosts/i-0123456789abcdef0/sessions');
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not-found' } });

    expect(e2e.runtime.ssm.commands().length).toBe(before);
    expect(await e2e.ticketActions('AUTH-3')).toEqual([]);
    expect(e2e.runtime.fleet.host(lab).sessions).toEqual(sessionsBefore);
  });
});
