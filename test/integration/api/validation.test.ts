import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiHarness,
  postWith,
  sample,
  startApiHarness,
  withPath,
  withQuery,
  withScope,
} from './harness.js';

let h: ApiHarness;
let host: string;
let fileServer: string;

beforeAll(async () => {
  h = await startApiHarness();
  host = h.hostId('RDSH-DE-01');
  fileServer = h.hostId('FS-DE-01');
});
afterAll(() => h.close());

const INJECTIONS = [
  'x"; Stop-Computer -Force; "',
  '$(Remove-Item C:\\ -Recurse)',
  'a`nb',
  'a | calc',
  "x' ; shutdown /s ; '",
  'a\r\nb',
  '%COMSPEC% /c calc',
  'a > C:\\out.txt',
  'a & calc',
];

/** Every field of every operation, with the sample that carries it. */
const FIELDS: { sample: string; field: string }[] = [
  { sample: 'post-action-logoff', field: 'operation' },
  { sample: 'post-action-logoff', field: 'instanceId' },
  { sample: 'post-action-logoff', field: 'sessionId' },
  { sample: 'post-action-logoff', field: 'userName' },
  { sample: 'post-action-logoff', field: 'ticketId' },
  { sample: 'post-action-logoff', field: 'reason' },
  { sample: 'post-action-logoff', field: 'requestedBy' },
  { sample: 'post-action-close-file-by-path', field: 'requestedBy' },
  { sample: 'post-action-notify', field: 'message' },
  { sample: 'post-action-notify', field: 'warnSeconds' },
  { sample: 'post-action-notify', field: 'userName' },
  { sample: 'post-action-close-file-by-path', field: 'path' },
  { sample: 'post-action-close-file-by-id', field: 'fileId' },
  { sample: 'post-action-end-smb-session', field: 'clientName' },
  { sample: 'post-action-end-smb-session', field: 'userName' },
];

async function ticketActions(ticketId: string): Promise<unknown[]> {
  const list = await h.invoke(withQuery(sample('list-actions-by-ticket'), { ticketId }));
  return list.body.items as unknown[];
}

describe('POST /v1/actions with bad input', () => {
  it('refuses an injection string in any field with 400 naming it, and sends nothing', async () => {
    const before = h.localSsm.commands().length;
    let n = 0;
    for (const { sample: name, field } of FIELDS) {
      for (const injection of INJECTIONS) {
        const ticketId = `INJ-${++n}`;
        const target = name.includes('file') || name.includes('smb') ? fileServer : host;
        const event = postWith(name, { instanceId: target, ticketId, [field]: injection });
        const response = await h.invoke(event);
        expect(response.statusCode, `${field} = ${JSON.stringify(injection)}`).toBe(400);
        expect(response.body.error).toBe('bad-request');
        const paths = (response.body.fields as { path: string }[]).map((f) => f.path);
        expect(paths, `${field} = ${JSON.stringify(injection)}`).toContain(`body.${field}`);
        if (field !== 'ticketId') expect(await ticketActions(ticketId)).toEqual([]);
      }
    }
    expect(h.localSsm.commands().length).toBe(before);
  });

  it('answers the sample injection request with 400 and one entry per bad field', async () => {
    const response = await h.invoke(sample('post-action-injection'));
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: 'bad-request',
      message: expect.any(String),
      fields: expect.arrayContaining([
        { path: 'body.userName', message: expect.any(String) },
        { path: 'body.reason', message: expect.any(String) },
      ]),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.ts:\d+/);
  });

  it('refuses unknown fields, a body that is not JSON and a missing body', async () => {
    const unknown = await h.invoke(sample('post-action-unknown-field'));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.fields).toEqual([{ path: 'body.force', message: 'unknown field' }]);

    const form = await h.invoke(sample('post-action-not-json'));
    expect(form.statusCode).toBe(400);
    expect(form.body.fields).toEqual([
      { path: 'headers.content-type', message: 'must be application/json' },
    ]);

    const garbled = sample('post-action-logoff');
    garbled.body = '{"operation": "logoff",';
    expect((await h.invoke(garbled)).body).toMatchObject({
      error: 'bad-request',
      fields: [{ path: 'body', message: 'not valid JSON' }],
    });

    const empty = sample('post-action-logoff');
    delete empty.body;
    expect((await h.invoke(empty)).statusCode).toBe(400);

    const array = sample('post-action-logoff');
    array.body = '[]';
    expect((await h.invoke(array)).body.fields).toEqual([
      { path: 'body', message: 'must be a JSON object' },
    ]);
  });

  it('reads a base64-encoded body', async () => {
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId: 4000,
      ticketId: 'B64-1',
      reason: 'base64 body',
    });
    event.body = Buffer.from(event.body ?? '').toString('base64');
    event.isBase64Encoded = true;
    // The body parses; the session does not exist on the host, so the guard skips it.
    const response = await h.invoke(event);
    expect(response.statusCode).toBe(202);
    await h.settle();
    expect((await h.action(String(response.body.actionId)))?.result?.errorCode).toBe(
      'guard:session-not-found'
    );
  });

  it('reads a body without a content type as JSON', async () => {
    const event = postWith('post-action-logoff', {
      instanceId: host,
      sessionId: 4001,
      ticketId: 'UNTYPED-1',
      reason: 'no content type',
    });
    delete event.headers['content-type'];
    const response = await h.invoke(event);
    expect(response.statusCode).toBe(202);
    await h.settle();
  });

  it('reads a body whose media type is written in another case or spaced (RFC 9110 8.3.1)', async () => {
    let n = 0;
    for (const contentType of [
      'Application/JSON',
      'APPLICATION/JSON; charset=UTF-8',
      'application/json ;charset=utf-8',
    ]) {
      const event = postWith('post-action-logoff', {
        instanceId: host,
        sessionId: 4002 + n,
        ticketId: `CASE-${++n}`,
        reason: 'media type case',
      });
      event.headers['content-type'] = contentType;
      const response = await h.invoke(event);
      expect(response.statusCode, contentType).toBe(202);
    }
    await h.settle();
  });

  it('refuses wrong types and missing fields per operation', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['post-action-logoff', { sessionId: '3' }, 'body.sessionId'],
      ['post-action-logoff', { sessionId: 70_000 }, 'body.sessionId'],
      ['post-action-logoff', { ticketId: undefined }, 'body.ticketId'],
      ['post-action-logoff', { reason: '' }, 'body.reason'],
      ['post-action-notify', { message: undefined }, 'body.message'],
      ['post-action-notify', { warnSeconds: 0 }, 'body.warnSeconds'],
      // The host's .NET check sees a first letter outside the BMP as two surrogates, no letter.
      ['post-action-notify', { message: '\u{1D400}ttention please' }, 'body.message'],
      ['post-action-notify', { message: `A${'\u{1D400}'.repeat(128)}` }, 'body.message'],
      ['post-action-close-file-by-id', { fileId: 12 }, 'body.fileId'],
      ['post-action-close-file-by-id', { fileId: undefined }, 'body.fileId'],
      ['post-action-close-file-by-id', { fileId: '18446744073709551616' }, 'body.fileId'],
      ['post-action-logoff', { operation: 'shutdown' }, 'body.operation'],
      ['post-action-logoff', { instanceId: 'i-xyz' }, 'body.instanceId'],
    ];
    for (const [name, patch, path] of cases) {
      const response = await h.invoke(postWith(name, { instanceId: host, ...patch }));
      expect(response.statusCode, path).toBe(400);
      expect((response.body.fields as { path: string }[]).map((f) => f.path)).toContain(path);
    }
  });

  it('refuses end-smb-session without client or user, with or without confirm', async () => {
    const before = h.localSsm.commands().length;
    const confirmed = await h.invoke(
      postWith('post-action-end-smb-all-confirm', { instanceId: fileServer })
    );
    expect(confirmed.statusCode).toBe(400);
    expect(confirmed.body.fields).toEqual([
      { path: 'body.clientName', message: expect.stringContaining('not supported') },
    ]);
    const bare = await h.invoke(
      postWith('post-action-end-smb-all-confirm', { instanceId: fileServer, confirm: undefined })
    );
    expect(bare.statusCode).toBe(400);
    expect(h.localSsm.commands().length).toBe(before);
  });
});

describe('authorization', () => {
  it('answers 401 without an authorizer context', async () => {
    const response = await h.invoke(sample('post-action-no-authorizer'));
    expect(response).toEqual({
      statusCode: 401,
      headers: expect.any(Object),
      body: { error: 'unauthorized', message: expect.any(String) },
    });
  });

  it('answers 401 for a token without caller claims', async () => {
    const event = sample('get-action');
    event.requestContext.authorizer.jwt.claims = { scope: 'session-janitor/read' };
    expect((await h.invoke(event)).statusCode).toBe(401);
  });

  it('answers 403 when the token lacks the scope of the operation', async () => {
    const before = h.localSsm.commands().length;
    const readOnly = await h.invoke(
      postWith('post-action-read-scope-only', { instanceId: host, sessionId: 2 })
    );
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.body.error).toBe('forbidden');

    const actOnly = withScope(
      postWith('post-action-logoff', { instanceId: host }),
      'session-janitor/act'
    );
    expect((await h.invoke(actOnly)).statusCode).toBe(403);

    const logoffOnly = withScope(
      postWith('post-action-close-file-by-id', { instanceId: fileServer }),
      'session-janitor/logoff session-janitor/read'
    );
    expect((await h.invoke(logoffOnly)).statusCode).toBe(403);

    const filesOnly = withScope(sample('get-host-sessions'), 'session-janitor/files');
    expect((await h.invoke(filesOnly)).statusCode).toBe(403);
    expect(h.localSsm.commands().length).toBe(before);
  });

  it('reads scopes from the scope claim when the scopes list is null', async () => {
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\scopeclaim' });
    const event = postWith('post-action-disconnect-lookup', {
      instanceId: host,
      sessionId,
      ticketId: 'SCOPE-CLAIM-1',
    });
    expect(event.requestContext.authorizer.jwt.scopes).toBeNull();
    const response = await h.invoke(event);
    expect(response.statusCode).toBe(202);
    await h.settle();
    expect((await h.action(String(response.body.actionId)))?.status).toBe('succeeded');
  });
});

describe('GET routes with bad input', () => {
  it('refuses a malformed action id with 400 and an unknown one with 404', async () => {
    const bad = await h.invoke(withPath(sample('get-action'), '/v1/actions/nope', { id: 'nope' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body.fields).toEqual([{ path: 'path.id', message: expect.any(String) }]);
    const missing = await h.invoke(sample('get-action'));
    expect(missing.statusCode).toBe(404);
    expect(missing.body.error).toBe('not-found');
  });

  it('refuses a listing with both filters, none, a bad limit or a foreign cursor', async () => {
    expect((await h.invoke(sample('list-actions-both-filters'))).statusCode).toBe(400);
    expect((await h.invoke(withQuery(sample('list-actions-by-host'), {}))).statusCode).toBe(400);
    for (const limit of ['0', '101', 'ten']) {
      const response = await h.invoke(
        withQuery(sample('list-actions-by-host'), { instanceId: host, limit })
      );
      expect(response.body.fields).toEqual([{ path: 'query.limit', message: expect.any(String) }]);
    }
    const cursor = await h.invoke(
      withQuery(sample('list-actions-by-host'), { instanceId: host, cursor: 'bm90LWEtY3Vyc29y' })
    );
    expect(cursor.statusCode).toBe(400);
    expect(cursor.body.fields).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
  });

  it('refuses a forged cursor whose key DynamoDB cannot take with 400, not 500', async () => {
    const partition = `HOST#${host}`;
    const forge = (gsi1sk: string, pk: string, sk: string) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          i: 'byHost',
          p: partition,
          d: true,
          k: { gsi1pk: partition, gsi1sk, pk, sk },
        })
      ).toString('base64url');
    for (const cursor of [forge('', '', ''), forge('x'.repeat(1100), 'ACTION#x', 'ACTION')]) {
      const response = await h.invoke(
        withQuery(sample('list-actions-by-host'), { instanceId: host, cursor })
      );
      expect(response.statusCode).toBe(400);
      expect(response.body.fields).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
    }
  });

  it('answers 404 for an unknown route and for a bad host id with 400', async () => {
    const route = await h.invoke(withPath(sample('get-action'), '/v2/things', {}));
    expect(route).toEqual({
      statusCode: 404,
      headers: expect.any(Object),
      body: { error: 'not-found', message: expect.any(String) },
    });
    const badHost = await h.invoke(
      withPath(sample('get-host-sessions'), '/v1/hosts/$(calc)/sessions', { instanceId: '$(calc)' })
    );
    expect(badHost.statusCode).toBe(400);
    expect(badHost.body.fields).toEqual([{ path: 'path.instanceId', message: expect.any(String) }]);
  });

  it('answers 500 with no internals for an event that is not an HTTP API event', async () => {
    const response = await h.invoke({ hello: 'world' } as never);
    expect(response).toEqual({
      statusCode: 500,
      headers: expect.any(Object),
      body: { error: 'internal', message: 'internal error' },
    });
  });
});
