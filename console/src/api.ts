/**
 * The API as the console calls it: JSON in and out, the bearer token on every call, and every
 * refusal turned into an {@link ApiFailure} that carries the API's own words.
 */

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiFailure extends Error {
  readonly status: number;
  /** The API's `error` code (`bad-request`, `excluded`…); `null` when the gateway refused first. */
  readonly code: string | null;
  readonly fields: FieldIssue[];
  readonly body: Record<string, unknown>;

  constructor(status: number, code: string | null, message: string, body: Record<string, unknown>) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    this.body = body;
    this.fields = Array.isArray(body.fields) ? (body.fields as FieldIssue[]) : [];
  }
}

/**
 * API Gateway (and the local gateway) refuse before the function runs with only `{message}`:
 * say what that means, since there is no `error` code to go by.
 */
const GATEWAY_WORDS: Record<number, string> = {
  401: 'the API refused the token: it is missing, expired, or not one this API accepts. Sign in again.',
  403: 'the token has none of the scopes this request needs.',
  404: 'the API has no such route.',
  413: 'the request is too large.',
  429: 'too many requests: the API is throttling. Try again in a moment.',
};

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
}

export function apiClient(
  base: string,
  token: () => string | null,
  onUnauthorized: () => void
): ApiClient {
  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiFailure(
        0,
        null,
        `The API at ${base || location.origin} did not answer (network error).`,
        {}
      );
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    const json = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<
      string,
      unknown
    >;
    if (!response.ok) {
      const code = typeof json.error === 'string' ? json.error : null;
      const said = typeof json.message === 'string' ? json.message : text.slice(0, 300);
      const message =
        code === null && GATEWAY_WORDS[response.status]
          ? `${said || response.statusText}: ${GATEWAY_WORDS[response.status]}`
          : said || response.statusText;
      if (response.status === 401) onUnauthorized();
      throw new ApiFailure(response.status, code, message, json);
    }
    return { status: response.status, body: parsed };
  }
  return {
    async get<T>(path: string) {
      return (await call('GET', path)).body as T;
    },
    async post<T>(path: string, body: unknown) {
      const { status, body: answer } = await call('POST', path, body);
      return { status, body: answer as T };
    },
  };
}

/** `HTTP 403 excluded`, for the line above the API's message. */
export function statusLine(failure: ApiFailure): string {
  if (failure.status === 0) return 'No answer';
  return `HTTP ${failure.status}${failure.code ? ` ${failure.code}` : ''}`;
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
