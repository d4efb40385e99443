import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpGateway, startHttpGateway } from '../../../local/gateway/http-gateway.js';
import { createTokenAuthority } from '../../../local/gateway/tokens.js';

describe('the local gateway serving the console', () => {
  let gateway: HttpGateway;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-site-'));
    await mkdir(join(dir, 'site', 'assets'), { recursive: true });
    await writeFile(join(dir, 'site', 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'site', 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the site');
    gateway = await startHttpGateway({
      tokens: await createTokenAuthority('http://127.0.0.1/test-issuer'),
      routes: [{ method: 'GET', path: '/v1/actions/{id}', scopes: ['session-janitor/read'] }],
      handler: async () => ({ statusCode: 200, body: '{}' }),
      console: { dir: join(dir, 'site'), config: { apiUrl: '', auth: { kind: 'token' } } },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page with a content security policy, the assets for good, and its config', async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${gateway.url}/assets/index-abc.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${gateway.url}/config.json`)).json()).toEqual({
      apiUrl: '',
      auth: { kind: 'token' },
    });
  });

  it('answers any other page path with the page, never a file outside the site', async () => {
    expect(await (await fetch(`${gateway.url}/fleet`)).text()).toContain('<title>console</title>');
    for (const path of [
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%E0%A4%A',
    ]) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(await response.text(), path).not.toContain('outside the site');
    }
    expect((await fetch(`${gateway.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('leaves /v1/ to the API: an unknown route is still the API 404', async () => {
    const response = await fetch(`${gateway.url}/v1/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });
});
