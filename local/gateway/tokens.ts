import { exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/** Every scope the API knows; the local operator's token carries all of them. */
export const ALL_SCOPES = [
  'session-janitor/read',
  'session-janitor/act',
  'session-janitor/logoff',
  'session-janitor/files',
  'session-janitor/override',
] as const;

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
  /** Verifies signature, issuer, audience and expiry, as API Gateway's JWT authorizer does. */
  verify(token: string): Promise<VerifiedToken | null>;
  publicJwk(): Promise<Record<string, unknown>>;
}

const AUDIENCE = 'session-janitor';

/**
 * A JWT issuer for the local runtime: a fresh RS256 key per start (API Gateway's JWT authorizer
 * accepts only RSA keys), so tokens from an earlier run
 * stop working, as a rotated key would in the cloud.
 */
export async function createTokenAuthority(issuer: string): Promise<TokenAuthority> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    issuer,
    async issue({ subject, scopes, ttlSeconds = 12 * 3600 }) {
      return new SignJWT({ scope: scopes.join(' '), client_id: subject, token_use: 'access' })
        .setProtectedHeader({ alg: 'RS256', kid: 'local' })
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
        const { payload } = await jwtVerify(token, publicKey, { issuer, audience: AUDIENCE });
        return { claims: flattenClaims(payload), scopes: scopesOf(payload) };
      } catch {
        return null;
      }
    },
    publicJwk: () => exportJWK(publicKey) as Promise<Record<string, unknown>>,
  };
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
