import { createHmac } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api.js';
import { createRuntime } from '../../functions/shared/runtime.js';
import { loadConfig } from '../../lib/config/env.js';
import { API_ROUTES, API_SCOPES, OPERATION_SCOPES } from '../../lib/contract.js';
import { type HttpGateway, startHttpGateway } from '../../local/gateway/http-gateway.js';
import { createTokenAuthority } from '../../local/gateway/tokens.js';
import { type E2e, startE2e } from '../e2e/harness.js';
import { recordFigures } from './corpus.js';
import { type SentWatch, watchSendCommand } from './sent.js';

// Who may ask what: the local gateway verifies tokens as API Gateway's JWT authorizer does, and
// the function checks each operation's own scope. Every refusal: the right status, nothing
// recorded, nothing sent.

const ISSUER = 'http://127.0.0.1/chaos-issuer';
const AUDIENCE = 'session-janitor';

let e2e: E2e;
let sent: SentWatch;
let gateway: HttpGateway;
let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
const figures = {
  tokensTried: 0,
  scopeChecks: 0,
  refused: 0,
  statuses: {} as Record<string, number>,
};

beforeAll(async () => {
  e2e = await startE2e();
  sent = watchSendCommand(e2e.runtime.clients.ssm);
  keys = await generateKeyPair('RS256', { extractable: true });
  // The runtime's own API function and SDK clients, behind a gateway whose signing key the test
  // holds, so that it can sign every kind of bad token.
  const handler = createApiHandler(createRuntime(loadConfig(), { clients: e2e.runtime.clients }));
  gateway = await startHttpGateway({
    handler,
    routes: API_ROUTES,
    tokens: await createTokenAuthority(ISSUER, { keys }),
    port: 0,
  });
});
afterAll(async () => {
  recordFigures('access', figures);
  await gateway?.close();
  await e2e?.stop();
});

const now = () => Math.floor(Date.now() / 1000);

function claims(scopes: readonly string[], extra: JWTPayload = {}): JWTPayload {
  return {
    scope: scopes.join(' '),
    client_id: 'chaos-client',
    token_use: 'access',
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'chaos-caller',
    iat: now(),
    exp: now() + 600,
    ...extra,
  };
}

function sign(
  payload: JWTPayload,
  header: Record<string, unknown> = { alg: 'RS256', kid: 'local' },
  key: CryptoKey = keys.privateKey
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header as never).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function call(
  method: string,
  path: string,
  token: string | null,
  body?: unknown
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  figures.statuses[response.status] = (figures.statuses[response.status] ?? 0) + 1;
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) };
}

async function ledgerItems(): Promise<number> {
  const page = await e2e.runtime.clients.ddb.send(
    new ScanCommand({ TableName: 'session-janitor-actions', Select: 'COUNT' })
  );
  return page.Count ?? 0;
}

type Operation = keyof typeof OPERATION_SCOPES;

/** A well-formed body of `operation` for `instanceId` (a file server's for the file operations). */
function bodyFor(
  operation: Operation,
  instanceId: string,
  ticketId: string,
  target: { sessionId?: number; userName?: string } = {}
): Record<string, unknown> {
  const common = { operation, instanceId, ticketId, reason: 'access probe' };
  switch (operation) {
    case 'close-file':
      return { ...common, path: 'D:\\Shares\\None.xlsx' };
    case 'end-smb-session':
      return { ...common, clientName: 'PC-NONE' };
    case 'end-shell':
      return { ...common, shellId: '0E1F2A3B-4C5D-6E7F-8091-A2B3C4D5E6F7' };
    default:
      return {
        ...common,
        sessionId: target.sessionId ?? 4242,
        userName: target.userName ?? 'chaos.nobody',
        ...(operation === 'notify' ? { message: 'Please save your work', warnSeconds: 60 } : {}),
      };
  }
}

/** A path of `route` with its parameters filled in: an action, a sweep or `instanceId`. */
function pathOf(route: (typeof API_ROUTES)[number], instanceId: string): string {
  const path = route.path
    .replace(
      '{id}',
      route.name === 'getSweep' ? 'sw-2026-01-01T00:00:00Z' : `act_${'b'.repeat(26)}`
    )
    .replace('{instanceId}', instanceId);
  return route.name === 'listActions' ? `${path}?ticketId=SCOPE-0` : path;
}

describe('tokens the JWT authorizer refuses', () => {
  it('answers 401 to each, on every route, before anything runs', async () => {
    const all = Object.values(API_SCOPES);
    const other = await generateKeyPair('RS256');
    const spki = await exportSPKI(keys.publicKey);
    const header = { alg: 'HS256', typ: 'JWT', kid: 'local' };
    const hmacWithPublicKey = (() => {
      const input = `${b64(header)}.${b64(claims(all))}`;
      return `${input}.${createHmac('sha256', spki).update(input).digest('base64url')}`;
    })();
    const { exp: _exp, ...withoutExp } = claims(all);
    const { aud: _aud, ...withoutAud } = claims(all);
    const bad: Record<string, string | null | Promise<string>> = {
      'no token': null,
      malformed: 'not-a-jwt',
      'three garbage parts': 'a.b.c',
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(all))}.`,
      'alg none, signature kept': `${b64({ alg: 'none' })}.${b64(claims(all))}.${'A'.repeat(43)}`,
      'HS256 signed with the public key': hmacWithPublicKey,
      'another key': sign(claims(all), undefined, other.privateKey),
      'another key, same kid': sign(claims(all), { alg: 'RS256', kid: 'local' }, other.privateKey),
      expired: sign(claims(all, { iat: now() - 7200, exp: now() - 3600 })),
      'not yet valid (nbf)': sign(claims(all, { nbf: now() + 3600 })),
      'issued in the future (iat)': sign(claims(all, { iat: now() + 3600 })),
      'no exp': sign(withoutExp),
      'wrong issuer': sign(claims(all, { iss: 'https://evil.example' })),
      'wrong audience': sign(claims(all, { aud: 'someone-else' })),
      'wrong audience, right client_id': sign(claims(all, { aud: 'x', client_id: AUDIENCE })),
      'no kid': sign(claims(all), { alg: 'RS256' }),
      'unknown kid': sign(claims(all), { alg: 'RS256', kid: 'not-ours' }),
      'no audience, wrong client_id': sign(withoutAud),
      'signature stripped': sign(claims(all)).then((t) => `${t.split('.').slice(0, 2).join('.')}.`),
      'payload swapped': sign(claims([API_SCOPES.read])).then((t) => {
        const [h, , s] = t.split('.');
        return `${h}.${b64(claims(all))}.${s}`;
      }),
    };
    const host = e2e.hostId('RDSH-DE-01');
    const sessionId = e2e.runtime.fleet.addSession(host, { user: 'CORP\\chaos.access' });
    const before = { attempts: sent.attempts(), items: await ledgerItems() };
    for (const [label, pending] of Object.entries(bad)) {
      const token = await pending;
      figures.tokensTried++;
      // Every route, and every operation of the one that acts.
      const requests: [string, string, unknown?][] = [
        ...(Object.keys(OPERATION_SCOPES) as Operation[]).map(
          (operation): [string, string, unknown] => [
            'POST',
            '/v1/actions',
            bodyFor(operation, host, `ACCESS-${operation}`, {
              sessionId,
              userName: 'chaos.access',
            }),
          ]
        ),
        ...API_ROUTES.filter((route) => route.method === 'GET').map((route): [string, string] => [
          route.method,
          pathOf(route, host),
        ]),
      ];
      for (const [method, path, body] of requests) {
        const response = await call(method, path, token, body);
        expect(response.status, `${label}: ${method} ${path}`).toBe(401);
        figures.refused++;
      }
    }
    await e2e.runtime.settle();
    expect(sent.attempts()).toBe(before.attempts);
    expect(await ledgerItems()).toBe(before.items);
    expect(e2e.runtime.fleet.host(host).sessions.map((s) => s.id)).toContain(sessionId);
  });

  it('takes a good token: the refusals above were the tokens’ doing', async () => {
    const token = await sign(claims([API_SCOPES.read]));
    expect((await call('GET', '/v1/actions?ticketId=ACCESS-1', token)).status).toBe(200);
    const cognito = claims([API_SCOPES.read], { client_id: AUDIENCE });
    delete cognito.aud;
    // A Cognito access token has no `aud`: API Gateway then checks `client_id`.
    expect((await call('GET', '/v1/actions?ticketId=ACCESS-1', await sign(cognito))).status).toBe(
      200
    );
  });
});

describe('every scope on every operation', () => {
  it('lets a token through exactly where its scope allows, else 403 with nothing recorded or sent', async () => {
    const rdsh = e2e.hostId('RDSH-DE-01');
    const fs = e2e.hostId('FS-DE-01');
    const scopeSets: string[][] = [
      [],
      ...Object.values(API_SCOPES).map((s) => [s]),
      [API_SCOPES.override, API_SCOPES.read],
      ['session-janitor/admin', 'openid', 'SESSION-JANITOR/LOGOFF', 'session-janitor/logoff/x'],
    ];
    let n = 0;
    for (const scopes of scopeSets) {
      const token = await sign(claims(scopes, { sub: `scoped-${n}` }));
      for (const route of API_ROUTES) {
        const mayRoute = route.scopes.some((s) => scopes.includes(s));
        if (route.name === 'requestAction') {
          for (const operation of Object.keys(OPERATION_SCOPES) as Operation[]) {
            const ticketId = `SCOPE-${++n}`;
            const before = { attempts: sent.attempts(), items: await ledgerItems() };
            const instanceId =
              operation === 'close-file' || operation === 'end-smb-session' ? fs : rdsh;
            const response = await call(
              'POST',
              '/v1/actions',
              token,
              bodyFor(operation, instanceId, ticketId)
            );
            figures.scopeChecks++;
            const allowed = mayRoute && scopes.includes(OPERATION_SCOPES[operation]);
            const label = `${scopes.join(' ') || '(none)'} ${operation}`;
            if (allowed) {
              expect(response.status, label).not.toBe(401);
              expect(response.status, label).not.toBe(403);
              expect(response.status, label).toBeLessThan(500);
            } else {
              expect(response.status, label).toBe(403);
              figures.refused++;
              await e2e.runtime.settle();
              expect(sent.attempts(), label).toBe(before.attempts);
              expect(await ledgerItems(), label).toBe(before.items);
            }
          }
          continue;
        }
        const before = { attempts: sent.attempts(), items: await ledgerItems() };
        const response = await call(route.method, pathOf(route, rdsh), token);
        figures.scopeChecks++;
        const label = `${scopes.join(' ') || '(none)'} ${route.name}`;
        if (mayRoute) {
          expect([200, 404], label).toContain(response.status);
        } else {
          expect(response.status, label).toBe(403);
          figures.refused++;
          await e2e.runtime.settle();
          // A listing refused asks the host nothing and leaves no sighting or sweep behind.
          expect(sent.attempts(), label).toBe(before.attempts);
          expect(await ledgerItems(), label).toBe(before.items);
        }
      }
    }
    await e2e.runtime.settle();
  });
});

describe('who may act on what', () => {
  it('refuses an unmanaged host with 403, nothing recorded, nothing sent', async () => {
    const lab = e2e.hostId('RDSH-LAB-01');
    const victim = e2e.runtime.fleet.host(lab).sessions.find((s) => !s.console);
    const before = { attempts: sent.attempts(), items: await ledgerItems() };
    const token = await sign(claims(Object.values(API_SCOPES)));
    for (const operation of Object.keys(OPERATION_SCOPES) as Operation[]) {
      const response = await call(
        'POST',
        '/v1/actions',
        token,
        bodyFor(operation, lab, `UNMANAGED-${operation}`, {
          ...(victim ? { sessionId: victim.id, userName: victim.userName } : {}),
        })
      );
      expect(response.status, operation).toBe(403);
      figures.refused++;
    }
    for (const route of API_ROUTES.filter((r) => r.path.includes('{instanceId}'))) {
      const path = pathOf(route, lab);
      expect((await call('GET', path, token)).status, path).toBe(403);
      figures.refused++;
    }
    await e2e.runtime.settle();
    expect(sent.attempts()).toBe(before.attempts);
    expect(await ledgerItems()).toBe(before.items);
  });

  it('refuses a ticket id reused by another caller with 409, recording and sending nothing more', async () => {
    const host = e2e.hostId('RDSH-DE-02');
    const sessionId = e2e.runtime.fleet.addSession(host, { user: 'CORP\\chaos.ticket' });
    const body = {
      operation: 'logoff',
      instanceId: host,
      sessionId,
      userName: 'chaos.ticket',
      ticketId: 'REUSED-1',
      reason: 'ticket reuse probe',
    };
    const alice = await sign(claims([API_SCOPES.logoff, API_SCOPES.read], { sub: 'alice' }));
    const mallory = await sign(claims([API_SCOPES.logoff, API_SCOPES.read], { sub: 'mallory' }));
    const first = await call('POST', '/v1/actions', alice, body);
    expect(first.status).toBe(202);
    await e2e.runtime.settle();
    const before = { attempts: sent.attempts(), items: await ledgerItems() };
    const again = await call('POST', '/v1/actions', mallory, body);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain('alice');
    figures.refused++;
    await e2e.runtime.settle();
    expect(sent.attempts()).toBe(before.attempts);
    expect(await ledgerItems()).toBe(before.items);
    expect(await e2e.ticketActions('REUSED-1')).toMatchObject([
      { trigger: { caller: 'alice' }, status: 'succeeded' },
    ]);
  });
});
