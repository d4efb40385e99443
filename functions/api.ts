import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import type { MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { z } from 'zod';
import { type ApiAnswer, answerRequest } from '../lib/api/answer.js';
import { type Caller, callerOf, requireScope } from '../lib/api/auth.js';
import type { ApiDeps } from '../lib/api/deps.js';
import {
  ApiError,
  type ApiErrorBody,
  type ApiErrorCode,
  badRequest,
  notFound,
} from '../lib/api/errors.js';
import type { RequestedAction } from '../lib/api/request-action.js';
import { matchRoute } from '../lib/api/routes.js';
import { type ApiRoute, METRIC_NAMES } from '../lib/contract.js';
import { duplicateKeyPath } from '../lib/json/duplicate-keys.js';
import { InvalidLedgerInputError } from '../lib/ledger/errors.js';
import { DispatchError } from '../lib/ssm/errors.js';
import { observed } from './shared/middleware.js';
import { log, metrics } from './shared/observability.js';
import type { Runtime } from './shared/runtime.js';

/**
 * The HTTP edge of the API: the API Gateway payload 2.0 event is checked with Powertools Parser's
 * schema, the route and caller found, a JSON body read by middy's parser, and the use case's
 * answer or error given its status here, errors written by middy's error handler. The use cases
 * (`lib/api/answer.ts`) know no HTTP. The local gateway hands its requests to this same handler.
 */

export interface ApiHandlerOptions {
  /** Pause between polls of a live host query (tests shorten it). */
  hostQueryPollMs?: number;
  /** See `ApiDeps.dispatchGraceMs`. */
  dispatchGraceMs?: number;
}

/** The use cases' dependencies from a runtime. */
export function apiDeps(runtime: Runtime, options: ApiHandlerOptions = {}): ApiDeps {
  return {
    ...runtime.send,
    ...runtime.hostTags,
    ledger: runtime.ledger,
    policy: runtime.policy,
    hostQueryTimeoutMs: runtime.config.HOST_QUERY_TIMEOUT_MS,
    hostQueryPollMs: options.hostQueryPollMs,
    dispatchGraceMs: options.dispatchGraceMs,
  };
}

const ANSWER_STATUS = {
  found: 200,
  accepted: 202,
  'dispatch-failed': 502,
} as const satisfies Record<ApiAnswer['kind'], number>;

const ERROR_STATUS = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  excluded: 403,
  'console-session': 403,
  'not-found': 404,
  conflict: 409,
  'confirmation-required': 409,
  internal: 500,
  'dispatch-failed': 502,
  'host-error': 502,
  'host-offline': 503,
  'host-timeout': 504,
  'ssm-busy': 503,
} as const satisfies Record<ApiErrorCode, number>;

const NO_STORE = { 'cache-control': 'no-store' };
/** SSM's own retries (five, with backoff) are spent by then; a caller waits a little longer. */
const SSM_BUSY_RETRY_AFTER_SECONDS = 5;

interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The event as the edge's middlewares hand it on: checked, then routed, then its body parsed. */
type ApiEvent = Omit<z.output<typeof APIGatewayProxyEventV2Schema>, 'body'> & {
  body?: unknown;
  matched?: { route: ApiRoute; params: Record<string, string> };
  caller?: Caller;
};

/** An error as middy's error handler writes it: its status and JSON body (`message`). */
class Refusal extends Error {
  readonly statusCode: number;
  /** The error handler writes the body of an exposed error only. */
  readonly expose = true;
  readonly headers: Record<string, string>;
  /** The cause of a 5xx that is not one of the API's own answers: logged, never returned. */
  readonly unexpected: unknown;

  constructor(statusCode: number, body: ApiErrorBody, unexpected: unknown) {
    super(JSON.stringify(body));
    this.name = 'Refusal';
    this.statusCode = statusCode;
    this.unexpected = unexpected;
    this.headers =
      body.error === 'ssm-busy'
        ? { ...NO_STORE, 'retry-after': String(SSM_BUSY_RETRY_AFTER_SECONDS) }
        : NO_STORE;
  }
}

function isJsonBodyError(error: unknown): error is Error {
  const cause = error instanceof Error ? (error.cause as { package?: unknown } | undefined) : null;
  return cause?.package === '@middy/http-json-body-parser';
}

/** The API's own answer to an error, or `null` for one it has none for (a bare 500). */
function apiErrorOf(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (isJsonBodyError(error)) {
    return error.message === 'Unsupported Media Type'
      ? badRequest('the body must be JSON', [
          { path: 'headers.content-type', message: 'must be application/json' },
        ])
      : badRequest('the body is not valid JSON', [{ path: 'body', message: 'not valid JSON' }]);
  }
  if (error instanceof InvalidLedgerInputError) return badRequest(error.message);
  if (error instanceof DispatchError) {
    if (error.code === 'invalid-request') return badRequest(error.message);
    // Throttled or failing past its retries before anything was recorded or sent: the same
    // request a little later is safe and may go through, which 503 and Retry-After say.
    if (error.code === 'throttled' || error.code === 'ssm-service') {
      return new ApiError(
        'ssm-busy',
        'SSM is throttling or failing for now; nothing was recorded or sent: send the request again',
        { cause: error }
      );
    }
    return new ApiError('host-error', 'SSM did not answer', { cause: error });
  }
  return null;
}

function refusalOf(error: unknown): Refusal {
  const known = apiErrorOf(error);
  if (known === null)
    return new Refusal(500, { error: 'internal', message: 'internal error' }, error);
  const status = ERROR_STATUS[known.code];
  return new Refusal(status, known.body(), status >= 500 ? (known.cause ?? null) : null);
}

/** Errors become the API's refusals (status, JSON body), for middy's error handler to write. */
const refusals: MiddlewareObj<ApiEvent, ApiResponse> = {
  onError: (request) => {
    request.error = refusalOf(request.error);
  },
};

/** The route (`not-found`) and the caller holding one of its scopes, before the body is read. */
const routed: MiddlewareObj<ApiEvent, ApiResponse> = {
  before: ({ event }) => {
    const { method } = event.requestContext.http;
    event.matched = matchRoute(method, event.rawPath) ?? undefined;
    if (event.matched === undefined) throw notFound(`no route ${method} ${event.rawPath}`);
    const { route } = event.matched;
    log().appendKeys({ route: route.name });
    const jwt = event.requestContext.authorizer?.jwt;
    event.caller = callerOf(jwt ? { claims: jwt.claims, scopes: jwt.scopes } : null);
    requireScope(event.caller, route.scopes);
  },
};

const jsonBody = httpJsonBodyParser();

/**
 * The content type with its media type lowercased and unspaced: media types are case-insensitive
 * and may have spaces before their parameters (RFC 9110 §8.3.1, §5.6.6), middy's check takes
 * neither.
 */
function normalisedContentType(value: string): string {
  const [type = '', ...parameters] = value.split(';');
  const rest = parameters.join(';').trim();
  const mediaType = type.trim().toLowerCase();
  return rest === '' ? mediaType : `${mediaType};${rest}`;
}

/**
 * A route that takes a body reads it as JSON (base64 too): one without a content type as JSON,
 * one of another type is refused, and so is one that repeats a key (see `duplicateKeyPath`).
 */
const jsonBodies: MiddlewareObj<ApiEvent, ApiResponse> = {
  before: async (request) => {
    if (request.event.matched?.route.method !== 'POST') return;
    const { headers, body, isBase64Encoded } = request.event;
    headers['content-type'] = normalisedContentType(headers['content-type'] ?? 'application/json');
    // middy's parser is typed for the `aws-lambda` event types, not for the parsed event.
    await jsonBody.before?.(request as never);
    const text = isBase64Encoded ? Buffer.from(String(body), 'base64').toString() : String(body);
    const duplicate = duplicateKeyPath(text);
    if (duplicate !== null) {
      throw badRequest('the body repeats a key', [
        { path: ['body', ...duplicate].join('.'), message: 'duplicate key' },
      ]);
    }
  },
};

/** The request's log line and `ApiRequests` metric, answered or refused. */
const recorded: MiddlewareObj<ApiEvent, ApiResponse> = {
  after: ({ event, response }) => record(event, response, null),
  onError: ({ event, response, error }) =>
    record(event, response, error instanceof Refusal ? error.unexpected : error),
};

function record(event: ApiEvent, response: ApiResponse | null, unexpected: unknown): void {
  const statusCode = response?.statusCode ?? 500;
  const route = event.matched?.route.name ?? 'none';
  log().appendKeys({ route, statusCode });
  if (unexpected !== null) {
    log().error('api request failed', { error: unexpected as Error });
  } else if (statusCode >= 400) {
    log().info('api request refused', { body: response?.body.slice(0, 500) });
  } else {
    log().info('api request answered');
  }
  const requests = metrics.singleMetric();
  requests.addDimensions({ route, status: String(statusCode) });
  requests.addMetric(METRIC_NAMES.apiRequests, MetricUnit.Count, 1);
}

function recordActions(actions: RequestedAction[]): void {
  for (const { action, created } of actions) {
    const single = metrics.singleMetric();
    single.addDimensions({
      operation: action.operation,
      outcome: created ? action.status : `repeat-${action.status}`,
    });
    single.addMetric(METRIC_NAMES.apiActions, MetricUnit.Count, 1);
  }
  const [first] = actions;
  if (first === undefined) return;
  log().appendKeys({
    actionId: first.action.id,
    actionIds: actions.map((a) => a.action.id),
    created: actions.map((a) => a.created),
  });
}

/**
 * `api` (API Gateway HTTP API, payload 2.0, JWT authorizer): ticket-driven actions and live host
 * queries. The route table is `API_ROUTES` in `lib/contract.ts`; the local gateway and the stack
 * declare the same routes.
 */
export function createApiHandler(runtime: Runtime, options: ApiHandlerOptions = {}) {
  const deps = apiDeps(runtime, options);
  return observed<ApiEvent, ApiResponse, unknown>(
    async (event) => {
      const { matched, caller } = event;
      if (matched === undefined || caller === undefined) {
        throw new Error('the request was not routed');
      }
      const answer = await answerRequest(
        deps,
        {
          route: matched.route.name,
          params: matched.params,
          query: event.queryStringParameters ?? {},
          body: event.body,
          caller,
        },
        (keys) => log().appendKeys(keys)
      );
      recordActions(answer.actions);
      return {
        statusCode: ANSWER_STATUS[answer.kind],
        headers: { 'content-type': 'application/json', ...NO_STORE },
        body: JSON.stringify(answer.body),
      };
    },
    // middy runs `before` in this order, `after` and `onError` in the reverse one.
    [
      recorded,
      httpErrorHandler({ logger: false }),
      refusals,
      parser({ schema: APIGatewayProxyEventV2Schema }),
      routed,
      jsonBodies,
    ]
  );
}
