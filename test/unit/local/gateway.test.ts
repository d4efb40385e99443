import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpGateway, startHttpGateway } from '../../../local/gateway/http-gateway.js';
import {
  CLOCK_SKEW_SECONDS,
  createTokenAuthority,
  type TokenAuthority,
} from '../../../local/gateway/tokens.js';

describe('local API gateway', () => {
  const seen: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
  let gateway: HttpGateway;
  let tokens: TokenAuthority;

  beforeAll(async () => {
    tokens = await createTokenAuthority('http://127.0.0.1/test-issuer');
    gateway = await startHttpGateway({
      tokens,
      routes: [
        { method: 'GET', path: '/v1/actions/{id}', scopes: ['session-janitor/read'] },
        {
          method: 'POST',
          path: '/v1/actions',
          scopes: ['session-janitor/act', 'session-janitor/logoff'],
        },
      ],
      handler: async (event) => {
        seen.push(event);
        return {
          statusCode: 202,
          headers: { 'content-type': 'application/json' },
          body: '{"ok":true}',
        };
      },
    });
  });
  afterAll(() => gateway.close());

  const get = (path: string, token?: string) =>
    fetch(`${gateway.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('answers 401 without a token and with a forged one, before the function runs', async () => {
    const before = seen.length;
    expect((await get('/v1/actions/act_1')).status).toBe(401);
    const other = await createTokenAuthority('http://127.0.0.1/test-issuer');
    const forged = await other.issue({ subject: 'mallory', scopes: ['session-janitor/read'] });
    const response = await get('/v1/actions/act_1', forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(seen.length).toBe(before);
  });

  it('answers 403 when the token has none of the route scopes', async () => {
    const token = await tokens.issue({ subject: 'reader', scopes: ['session-janitor/read'] });
    const response = await fetch(`${gateway.url}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(response.status).toBe(403);
  });

  it('answers 404 for a route it does not have', async () => {
    const token = await tokens.issue({ subject: 'reader', scopes: ['session-janitor/read'] });
    expect((await get('/v2/nothing', token)).status).toBe(404);
  });

  it('hands the function a payload 2.0 event with the verified claims and path parameters', async () => {
    const token = await tokens.issue({
      subject: 'helpdesk-bot',
      scopes: ['session-janitor/read', 'session-janitor/logoff'],
    });
    const response = await get('/v1/actions/act%20x?a=1&a=2', token);
    expect(response.status).toBe(202);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    const event = seen.at(-1);
    expect(event?.version).toBe('2.0');
    expect(event?.routeKey).toBe('GET /v1/actions/{id}');
    expect(event?.pathParameters).toEqual({ id: 'act x' });
    expect(event?.queryStringParameters).toEqual({ a: '1,2' });
    expect(event?.requestContext.authorizer.jwt.scopes).toEqual([
      'session-janitor/read',
      'session-janitor/logoff',
    ]);
    const claims = event?.requestContext.authorizer.jwt.claims ?? {};
    expect(claims.sub).toBe('helpdesk-bot');
    expect(claims.scope).toBe('session-janitor/read session-janitor/logoff');
    expect(typeof claims.exp).toBe('string');
  });
});

describe('local token verification', () => {
  const issuer = 'http://127.0.0.1/test-issuer';
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let tokens: TokenAuthority;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    tokens = await createTokenAuthority(issuer, { keys });
  });

  /** A token signed with the authority's own key, with exactly the time claims given. */
  const signed = (times: { exp?: number; iat?: number; nbf?: number }) =>
    new SignJWT({ scope: 'session-janitor/read', client_id: 'clock-test', ...times })
      .setProtectedHeader({ alg: 'RS256', kid: 'local' })
      .setIssuer(issuer)
      .setAudience('session-janitor')
      .setSubject('clock-test')
      .sign(keys.privateKey);
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a token with exp, iat and nbf in range, and one issued within the skew', async () => {
    expect(
      await tokens.verify(await signed({ exp: now() + 600, iat: now(), nbf: now() }))
    ).not.toBe(null);
    const early = await signed({ exp: now() + 600, iat: now() + CLOCK_SKEW_SECONDS - 5 });
    expect(await tokens.verify(early)).not.toBe(null);
  });

  it('refuses a token without exp, as API Gateway does', async () => {
    expect(await tokens.verify(await signed({ iat: now() }))).toBe(null);
  });

  it('refuses a token issued or valid only beyond the skew in the future', async () => {
    const later = now() + CLOCK_SKEW_SECONDS + 60;
    expect(await tokens.verify(await signed({ exp: later + 600, iat: later }))).toBe(null);
    expect(await tokens.verify(await signed({ exp: later + 600, nbf: later }))).toBe(null);
  });

  it('refuses an expired token', async () => {
    const past = now() - CLOCK_SKEW_SECONDS - 60;
    expect(await tokens.verify(await signed({ exp: past, iat: past - 600 }))).toBe(null);
  });
});
