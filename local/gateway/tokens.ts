import { exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { API_SCOPES, type ApiScope } from '../../lib/contract.js';

/** Every scope the API knows; the local operator's token carries all of them. */
export const ALL_SCOPES: readonly ApiScope[] = Object.values(API_SCOPES);

export interface VerifiedToken {
  claims: Record<string, string>;
  scopes: string[];
}

export interface TokenAuthority {
  issuer: string;
  /** Signs a Cognito-style access token (`scope` is a space-separated claim). */
  issue(options: {
    subject: string;
    scopes: readonly string[];
    ttlSeconds?: number;
  }): Promise<string>;
  /**
   * Verifies a token as API Gateway's JWT authorizer does (aws-facts §8.1): the `kid` names the
   * issuer's key, the signature is that RSA key's, the issuer matches, `aud` (or, without `aud`,
   * `client_id`) is the audience, `exp` is required, `nbf` and `iat` may not be more than
   * {@link CLOCK_SKEW_SECONDS} ahead.
   */
  verify(token: string): Promise<VerifiedToken | null>;
  publicJwk(): Promise<Record<string, unknown>>;
}

const AUDIENCE = 'session-janitor';
/** The `kid` of the one key this issuer's JWKS would list. */
const KEY_ID = 'local';
/** How far `nbf` and `iat` may lie ahead of this clock, and `exp` behind it. */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * A JWT issuer for the local runtime: a fresh RS256 key per start (API Gateway's JWT authorizer
 * accepts only RSA keys), so tokens from an earlier run
 * stop working, as a rotated key would in the cloud.
 */
export async function createTokenAuthority(
  issuer: string,
  options: { keys?: { publicKey: CryptoKey; privateKey: CryptoKey } } = {}
): Promise<TokenAuthority> {
  const { publicKey, privateKey } =
    options.keys ?? (await generateKeyPair('RS256', { extractable: true }));
  return {
    issuer,
    async issue({ subject, scopes, ttlSeconds = 12 * 3600 }) {
      return new SignJWT({ scope: scopes.join(' '), client_id: subject, token_use: 'access' })
        .setProtectedHeader({ alg: 'RS256', kid: KEY_ID })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setSubject(subject)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
    async verify(token) {
      try {
        // API Gateway refuses a token without `exp`; one issued (or valid only) in the future is
        // no more acceptable than an expired one.
        // The key is found by `kid` in the issuer's JWKS: a token without one, or naming another
        // key, finds none.
        const { payload } = await jwtVerify(
          token,
          (header) => {
            if (header.kid !== KEY_ID) throw new Error('no key with this kid');
            return publicKey;
          },
          { issuer, requiredClaims: ['exp'], clockTolerance: CLOCK_SKEW_SECONDS }
        );
        const now = Math.floor(Date.now() / 1000);
        if (payload.iat !== undefined && payload.iat > now + CLOCK_SKEW_SECONDS) return null;
        if (!forAudience(payload)) return null;
        return { claims: flattenClaims(payload), scopes: scopesOf(payload) };
      } catch {
        return null;
      }
    },
    publicJwk: () => exportJWK(publicKey) as Promise<Record<string, unknown>>,
  };
}

/** `aud` names the audience; a token without `aud` (a Cognito access token) by `client_id`. */
function forAudience(payload: JWTPayload): boolean {
  if (payload.aud === undefined) return payload.client_id === AUDIENCE;
  return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(AUDIENCE);
}

function scopesOf(payload: JWTPayload): string[] {
  return typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
}

/**
 * API Gateway hands claims to Lambda as strings, arrays flattened to `[a b]`, null claims omitted
 * (aws-facts §8.1).
 */
function flattenClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue;
    claims[key] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  }
  return claims;
}
