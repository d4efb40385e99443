import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, API_SCOPES } from '../../../lib/contract.js';
import { type HttpGateway, startHttpGateway } from '../../../local/gateway/http-gateway.js';
import { createTokenAuthority, type TokenAuthority } from '../../../local/gateway/tokens.js';
import { type ApiHarness, startApiHarness } from './harness.js';

let h: ApiHarness;
let gateway: HttpGateway;
let tokens: TokenAuthority;

beforeAll(async () => {
  h = await startApiHarness();
  tokens = await createTokenAuthority('https://issuer.local');
  gateway = await startHttpGateway({ handler: h.handler, routes: API_ROUTES, tokens });
});
afterAll(async () => {
  await gateway.close();
  await h.close();
});

async function call(method: string, path: string, scopes: string[] | null, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (scopes !== null) {
    headers.authorization = `Bearer ${await tokens.issue({ subject: 'helpdesk-7', scopes })}`;
  }
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the api behind the local gateway', () => {
  it('declares every route with the scopes the handler checks', () => {
    expect(API_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/actions',
      'GET /v1/actions',
      'GET /v1/actions/{id}',
      'GET /v1/hosts/{instanceId}/sessions',
      'GET /v1/hosts/{instanceId}/open-files',
      'GET /v1/hosts/{instanceId}/shells',
      'GET /v1/hosts',
      'GET /v1/sweeps',
      'GET /v1/sweeps/{id}',
    ]);
  });

  it('serves the fleet views to a read token and refuses a token without it', async () => {
    const hosts = await call('GET', '/v1/hosts?limit=50', [API_SCOPES.read]);
    expect(hosts.status).toBe(200);
    expect((hosts.body.items as { instanceId: string }[]).map((x) => x.instanceId)).toContain(
      h.hostId('RDSH-US-01')
    );
    expect(await call('GET', '/v1/sweeps', [API_SCOPES.read])).toMatchObject({
      status: 200,
      body: { items: [], cursor: null },
    });
    const missing = await call('GET', '/v1/sweeps/sw-2026-01-01T00:00:00Z', [API_SCOPES.read]);
    expect(missing).toMatchObject({ status: 404, body: { error: 'not-found' } });
    const byUser = await call('GET', `/v1/actions?userName=${encodeURIComponent('CORP\\nobody')}`, [
      API_SCOPES.read,
    ]);
    expect(byUser).toMatchObject({ status: 200, body: { items: [], cursor: null } });
    for (const path of ['/v1/hosts', '/v1/sweeps', '/v1/sweeps/sw-2026-01-01T00:00:00Z']) {
      expect((await call('GET', path, [API_SCOPES.logoff])).status).toBe(403);
      expect((await call('GET', path, null)).status).toBe(401);
    }
  });

  it('logs a ticket session off with a logoff token, and refuses act or no token', async () => {
    const host = h.hostId('RDSH-DE-02');
    const sessionId = h.fleet.addSession(host, { user: 'CORP\\gateway' });
    const body = {
      operation: 'logoff',
      instanceId: host,
      sessionId,
      ticketId: 'GW-1',
      reason: 'stuck session',
    };
    expect((await call('POST', '/v1/actions', null, body)).status).toBe(401);
    expect((await call('POST', '/v1/actions', [API_SCOPES.read], body)).status).toBe(403);
    const act = await call('POST', '/v1/actions', [API_SCOPES.act], body);
    expect(act).toMatchObject({ status: 403, body: { error: 'forbidden' } });

    const created = await call('POST', '/v1/actions', [API_SCOPES.logoff], body);
    expect(created).toMatchObject({ status: 202, body: { status: 'dispatched', created: true } });
    await h.settle();
    const action = await call('GET', `/v1/actions/${String(created.body.actionId)}`, [
      API_SCOPES.read,
    ]);
    expect(action.body).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'api', ticketId: 'GW-1', caller: 'helpdesk-7' },
      target: { expectedUser: 'gateway' },
    });
    expect(h.fleet.host(host).sessions.some((s) => s.id === sessionId)).toBe(false);
  });

  it('serves the live session list to a read token', async () => {
    const host = h.hostId('RDSH-US-01');
    const response = await call('GET', `/v1/hosts/${host}/sessions`, [API_SCOPES.read]);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ instanceId: host, culture: 'en-US' });
  });
});
