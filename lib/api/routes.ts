import type { Operation } from '../actions/model.js';

/**
 * The API's routes and OAuth scopes, in one place: the function routes by them, the local gateway
 * and the CDK stack declare the same routes with the same `authorizationScopes`.
 */

export const API_SCOPES = {
  read: 'session-janitor/read',
  act: 'session-janitor/act',
  logoff: 'session-janitor/logoff',
  files: 'session-janitor/files',
  /** With the operation's own scope: act on a session the policy excludes (`override`). */
  override: 'session-janitor/override',
} as const;
export type ApiScope = (typeof API_SCOPES)[keyof typeof API_SCOPES];

/** The scope each operation needs; the route itself only asks for any of them. */
export const OPERATION_SCOPES = {
  disconnect: API_SCOPES.act,
  notify: API_SCOPES.act,
  logoff: API_SCOPES.logoff,
  'end-smb-session': API_SCOPES.files,
  'close-file': API_SCOPES.files,
} as const satisfies Record<Operation, ApiScope>;

export const ROUTE_NAMES = [
  'requestAction',
  'listActions',
  'getAction',
  'listHostSessions',
  'listHostOpenFiles',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface ApiRoute {
  name: RouteName;
  method: 'GET' | 'POST';
  /** API Gateway route path, e.g. `/v1/actions/{id}`. */
  path: string;
  /** The route's `authorizationScopes`: a token needs at least one of them. */
  scopes: readonly ApiScope[];
}

export const API_ROUTES: readonly ApiRoute[] = [
  {
    name: 'requestAction',
    method: 'POST',
    path: '/v1/actions',
    scopes: [API_SCOPES.act, API_SCOPES.logoff, API_SCOPES.files],
  },
  { name: 'listActions', method: 'GET', path: '/v1/actions', scopes: [API_SCOPES.read] },
  { name: 'getAction', method: 'GET', path: '/v1/actions/{id}', scopes: [API_SCOPES.read] },
  {
    name: 'listHostSessions',
    method: 'GET',
    path: '/v1/hosts/{instanceId}/sessions',
    scopes: [API_SCOPES.read],
  },
  {
    name: 'listHostOpenFiles',
    method: 'GET',
    path: '/v1/hosts/{instanceId}/open-files',
    scopes: [API_SCOPES.read],
  },
];

/**
 * The route a request is for, with its path parameters decoded. Matched on the raw path rather
 * than API Gateway's `routeKey`, so a `$default` route or a hand-made event routes the same way.
 * The local gateway matches its routes with the same function.
 */
export function matchRoute<R extends { method: string; path: string } = ApiRoute>(
  method: string,
  rawPath: string,
  routes: readonly R[] = API_ROUTES as unknown as readonly R[]
): { route: R; params: Record<string, string> } | null {
  const upper = method.toUpperCase();
  const parts = rawPath.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== upper) continue;
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((segment, i) => {
      const part = parts[i] ?? '';
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (name === undefined) return segment === part;
      const value = safeDecode(part);
      if (value === null) return false;
      params[name] = value;
      return true;
    });
    if (ok) return { route, params };
  }
  return null;
}

function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
