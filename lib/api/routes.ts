import { API_ROUTES, type ApiRoute } from '../contract.js';

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
