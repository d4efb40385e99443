/**
 * Signing in. Locally the console takes a token (the operator's from `.janitor/local.json`, or any
 * other the local issuer signed); deployed, it runs Cognito's authorization-code flow with PKCE.
 * The token lives in this tab's sessionStorage only: it goes when the tab goes.
 */

export type AuthConfig =
  | { kind: 'token'; tokenFile?: string }
  | {
      kind: 'cognito';
      /** The user pool domain's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
      domain: string;
      clientId: string;
      scopes: string[];
    };

export interface ConsoleConfig {
  /** The API's base URL; empty: this page's own origin (the local runtime). */
  apiUrl: string;
  auth: AuthConfig;
}

export interface Session {
  token: string;
  subject: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expires: number | null;
}

const TOKEN_KEY = 'session-janitor.token';
const PKCE_KEY = 'session-janitor.pkce';

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The token's claims, unverified: the API verifies; the console only reads who and which scopes. */
export function readToken(token: string): Session | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replaceAll('-', '+').replaceAll('_', '/'));
    const claims = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))
    ) as Record<string, unknown>;
    const scope = typeof claims.scope === 'string' ? claims.scope : '';
    const subject =
      (typeof claims.username === 'string' && claims.username) ||
      (typeof claims.client_id === 'string' && claims.client_id) ||
      (typeof claims.sub === 'string' && claims.sub) ||
      'unknown';
    return {
      token,
      subject,
      scopes: scope.split(' ').filter(Boolean),
      expires: typeof claims.exp === 'number' ? claims.exp : null,
    };
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const session = token ? readToken(token) : null;
  if (session?.expires != null && session.expires * 1000 <= Date.now()) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return session;
}

export function signIn(token: string): Session | null {
  const session = readToken(token.trim());
  if (session) sessionStorage.setItem(TOKEN_KEY, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * `#token=…` hands the page a token without it ever reaching a server (a fragment is not sent)
 * nor staying in the address bar or the history.
 */
export function takeTokenFromFragment(): void {
  const match = /^#token=([A-Za-z0-9._-]+)(?:&(.*))?$/.exec(location.hash);
  if (!match?.[1]) return;
  signIn(match[1]);
  history.replaceState(null, '', `${location.pathname}${location.search}#${match[2] ?? '/fleet'}`);
}

function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

/** Cognito's authorize endpoint, with a fresh PKCE verifier and state kept for the way back. */
export async function startCognitoSignIn(
  auth: Extract<AuthConfig, { kind: 'cognito' }>
): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Back from Cognito with `?code&state`: trade the code (and the verifier) for tokens. */
export async function finishCognitoSignIn(
  auth: Extract<AuthConfig, { kind: 'cognito' }>
): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error_description') ?? params.get('error');
  if (!code && !error) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', `${location.pathname}${saved?.hash ?? '#/fleet'}`);
  if (error) return `Sign-in refused: ${error}`;
  if (!saved || params.get('state') !== saved.state) {
    return 'Sign-in refused: the answer does not belong to this sign-in (state mismatch).';
  }
  const response = await fetch(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, string>;
  if (!response.ok || !body.access_token) {
    return `Sign-in failed: ${body.error_description ?? body.error ?? response.statusText}`;
  }
  signIn(body.access_token);
  return null;
}

export function cognitoSignOutUrl(auth: Extract<AuthConfig, { kind: 'cognito' }>): string {
  const url = new URL('/logout', auth.domain);
  url.search = new URLSearchParams({
    client_id: auth.clientId,
    logout_uri: redirectUri(),
  }).toString();
  return url.toString();
}
