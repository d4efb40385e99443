import { describe, expect, it } from 'vitest';
import { callerOf, requireScope } from '../../../lib/api/auth.js';
import { ApiError } from '../../../lib/api/errors.js';
import { matchRoute } from '../../../lib/api/routes.js';
import { API_ROUTES, API_SCOPES, OPERATION_SCOPES } from '../../../lib/contract.js';

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('callerOf', () => {
  it('names the caller by sub, then client_id, then username', () => {
    expect(callerOf({ claims: { sub: 's', client_id: 'c', username: 'u' }, scopes: [] }).id).toBe(
      's'
    );
    expect(callerOf({ claims: { client_id: 'c', username: 'u' }, scopes: [] }).id).toBe('c');
    expect(callerOf({ claims: { username: 'u' }, scopes: [] }).id).toBe('u');
  });

  it('reads scopes from the list and from the scope claim when the list is null', () => {
    const fromClaim = callerOf({
      claims: { sub: 's', scope: 'session-janitor/read session-janitor/files' },
      scopes: null,
    });
    expect([...fromClaim.scopes].sort()).toEqual([API_SCOPES.files, API_SCOPES.read]);
    const fromList = callerOf({ claims: { sub: 's' }, scopes: [API_SCOPES.act] });
    expect([...fromList.scopes]).toEqual([API_SCOPES.act]);
  });

  it('is unauthorized without authorization or without an identity claim', () => {
    expect(codeOf(() => callerOf(null))).toBe('unauthorized');
    expect(codeOf(() => callerOf({ claims: { scope: API_SCOPES.read }, scopes: null }))).toBe(
      'unauthorized'
    );
    expect(codeOf(() => callerOf({ claims: { sub: 'a\nb' }, scopes: null }))).toBe('unauthorized');
  });
});

describe('requireScope', () => {
  it('lets any one of the scopes through and is forbidden otherwise', () => {
    const caller = callerOf({ claims: { sub: 's' }, scopes: [API_SCOPES.logoff] });
    expect(codeOf(() => requireScope(caller, [API_SCOPES.act, API_SCOPES.logoff]))).toBeNull();
    expect(codeOf(() => requireScope(caller, [OPERATION_SCOPES.disconnect]))).toBe('forbidden');
    expect(codeOf(() => requireScope(caller, [OPERATION_SCOPES['close-file']]))).toBe('forbidden');
  });
});

describe('matchRoute', () => {
  it('matches every declared route and decodes its parameters', () => {
    expect(matchRoute('post', '/v1/actions')?.route.name).toBe('requestAction');
    expect(matchRoute('GET', '/v1/actions')?.route.name).toBe('listActions');
    expect(matchRoute('GET', '/v1/actions/act_x')?.params).toEqual({ id: 'act_x' });
    expect(matchRoute('GET', '/v1/hosts/i-0abc%2Fx/sessions')).toMatchObject({
      route: { name: 'listHostSessions' },
      params: { instanceId: 'i-0abc/x' },
    });
    expect(matchRoute('GET', '/v1/hosts/i-1/open-files')?.route.name).toBe('listHostOpenFiles');
  });

  it('matches nothing else', () => {
    expect(matchRoute('DELETE', '/v1/actions/act_x')).toBeNull();
    expect(matchRoute('GET', '/v1/hosts/i-1')).toBeNull();
    expect(matchRoute('GET', '/v1/actions/%E0%A4%A')).toBeNull();
  });

  it('gives every route at least one scope, and reads only to read', () => {
    for (const route of API_ROUTES) {
      expect(route.scopes.length).toBeGreaterThan(0);
      if (route.method === 'GET') expect(route.scopes).toEqual([API_SCOPES.read]);
    }
  });
});
