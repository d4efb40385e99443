import { readFile } from 'node:fs/promises';

/** Where the CLI sends requests: a deployed API, or the local runtime's `.janitor/local.json`. */
export interface ApiTarget {
  apiUrl: string;
  token: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes scripts can rely on. */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  unauthorized: 3,
  notFound: 4,
  conflict: 5,
  rejected: 6,
  actionNotSucceeded: 7,
  waitTimedOut: 8,
  hostOffline: 9,
} as const;

export async function resolveTarget(options: {
  api?: string | undefined;
  token?: string | undefined;
  config?: string | undefined;
  env?: Record<string, string | undefined>;
}): Promise<ApiTarget> {
  const env = options.env ?? process.env;
  const apiUrl = options.api ?? env.JANITOR_API_URL;
  const token = options.token ?? env.JANITOR_TOKEN;
  if (apiUrl && token) return { apiUrl, token };
  const path = options.config ?? env.JANITOR_CONFIG ?? '.janitor/local.json';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(
      `no API given: pass --api URL --token TOKEN (or JANITOR_API_URL/JANITOR_TOKEN), or start the local runtime with "npm start" so that ${path} exists`,
      EXIT_CODES.usage
    );
  }
  const local = JSON.parse(text) as { apiUrl?: unknown; token?: unknown };
  if (typeof local.apiUrl !== 'string' || typeof local.token !== 'string') {
    throw new CliError(`${path} has no apiUrl/token`, EXIT_CODES.usage);
  }
  return { apiUrl: apiUrl ?? local.apiUrl, token: token ?? local.token };
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** One HTTP call; turns API errors into {@link CliError}s with the matching exit code. */
export async function call(
  target: ApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown
): Promise<ApiResponse> {
  let response: Response;
  try {
    response = await fetch(new URL(path, target.apiUrl), {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${target.apiUrl}: ${(error as Error).message}`, 1);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // A non-JSON body (a proxy's error page, say) is shown as it is.
  }
  if (response.ok) return { status: response.status, body: parsed };
  throw new CliError(describeError(response.status, parsed), exitCodeFor(response.status, parsed));
}

/** The API's error code (`{error, message}`); a gateway's own refusal has only a `message`. */
function errorCodeOf(body: unknown): string | null {
  const code = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof code === 'string' ? code : null;
}

function exitCodeFor(status: number, body: unknown): number {
  // By the API's code, not by 503 alone: a proxy's or a throttled gateway's 503 is no offline host.
  if (errorCodeOf(body) === 'host-offline') return EXIT_CODES.hostOffline;
  if (status === 401 || status === 403) return EXIT_CODES.unauthorized;
  if (status === 404) return EXIT_CODES.notFound;
  if (status === 409) return EXIT_CODES.conflict;
  if (status === 400 || status === 422) return EXIT_CODES.rejected;
  return EXIT_CODES.failure;
}

/** `HTTP 403 forbidden: <the API's message>`, then the fields or users the body names. */
function describeError(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; fields?: unknown; users?: unknown };
    const code = errorCodeOf(body);
    const message = typeof b.message === 'string' && b.message !== '' ? b.message : null;
    const head =
      code === null
        ? `HTTP ${status}: ${message ?? 'request failed'}`
        : `HTTP ${status} ${code}${message === null ? '' : `: ${message}`}`;
    const fields = Array.isArray(b.fields)
      ? b.fields.map((f: { path?: unknown; message?: unknown }) => `${f.path}: ${f.message}`)
      : [];
    // confirmation-required: who would be cut off, and how to go ahead anyway.
    const users = Array.isArray(b.users)
      ? [`${b.users.length} users: ${b.users.join(', ')}`, 'repeat with --confirm to act anyway']
      : [];
    return [head, ...[...fields, ...users].map((f) => `  ${f}`)].join('\n');
  }
  return `HTTP ${status}: ${String(body)}`;
}
