import type { ApiScope } from '../contract.js';
import { ApiError, forbidden } from './errors.js';

/** What the JWT authorizer hands the function (claims as strings; `scopes` may be `null`). */
export interface JwtAuthorization {
  claims: Record<string, unknown>;
  scopes: readonly string[] | null;
}

export interface Caller {
  /** Who asked, for the ledger: the token's `sub`, else `client_id`, else `username`. */
  id: string;
  scopes: ReadonlySet<string>;
}

const CALLER_CLAIMS = ['sub', 'client_id', 'username'] as const;
// The ledger keeps the caller as bounded, control-character-free text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CALLER = /^[^\u0000-\u001f\u007f]{1,256}$/;

/**
 * API Gateway fills `scopes` from the `scope` claim, but it can be `null` while the claim is there
 * (aws-facts §8.1), so the claim is read too.
 */
function scopesOf(auth: JwtAuthorization): Set<string> {
  const scopes = new Set<string>(auth.scopes ?? []);
  const claim = auth.claims.scope ?? auth.claims.scp;
  if (typeof claim === 'string') {
    for (const scope of claim.replace(/^\[|\]$/g, '').split(' ')) if (scope) scopes.add(scope);
  }
  return scopes;
}

/** The caller of a request; `unauthorized` without an authorizer context or an identity claim. */
export function callerOf(auth: JwtAuthorization | null): Caller {
  if (auth === null) throw new ApiError('unauthorized', 'a valid bearer token is required');
  for (const name of CALLER_CLAIMS) {
    const value = auth.claims[name];
    if (typeof value === 'string' && CALLER.test(value)) {
      return { id: value, scopes: scopesOf(auth) };
    }
  }
  throw new ApiError('unauthorized', 'the token names no caller (sub, client_id or username)');
}

/** `forbidden` unless the caller holds at least one of `scopes`. */
export function requireScope(caller: Caller, scopes: readonly ApiScope[]): void {
  if (scopes.some((scope) => caller.scopes.has(scope))) return;
  throw forbidden(`this request needs the scope ${scopes.join(' or ')}`);
}
