import { z } from 'zod';
import type { Action } from '../actions/model.js';
import { API_SCOPES, OPERATION_SCOPES, type RouteName } from '../contract.js';
import { InvalidLedgerInputError } from '../ledger/errors.js';
import { DispatchError } from '../ssm/errors.js';
import { type Caller, callerOf, type JwtAuthorization, requireScope } from './auth.js';
import type { ApiDeps } from './deps.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { getAction, listActions, listHostOpenFiles, listHostSessions } from './queries.js';
import { type RequestedAction, requestAction } from './request-action.js';
import { matchRoute } from './routes.js';
import {
  actionIdParamSchema,
  hostParamSchema,
  listQuerySchema,
  openFilesQuerySchema,
  operationOf,
  parseActionRequest,
  parseOr400,
} from './schemas.js';

/**
 * The HTTP side of the API without any Lambda types: an API Gateway payload 2.0 event in (checked
 * with zod), a status and JSON body out. `functions/api` adds middy, logs and metrics around it.
 */

export const httpEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string(),
  headers: z.record(z.string(), z.string()).default({}),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    requestId: z.string().optional(),
    http: z.object({ method: z.string() }),
    authorizer: z
      .object({
        jwt: z
          .object({
            claims: z.record(z.string(), z.unknown()),
            scopes: z.array(z.string()).nullish(),
          })
          .nullish(),
      })
      .nullish(),
  }),
});

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What happened, for the handler's log line and metrics. */
export interface HttpOutcome {
  response: HttpResponse;
  route: RouteName | null;
  /** The actions a `POST /v1/actions` recorded or found. */
  actions: RequestedAction[];
  ticketId: string | null;
  /** A 5xx that was not one of the API's own answers: logged with its cause, never returned. */
  unexpected: unknown;
}

const JSON_CONTENT = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function respond(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function jsonBody(event: z.output<typeof httpEventSchema>): unknown {
  const contentType = Object.entries(event.headers).find(
    ([name]) => name.toLowerCase() === 'content-type'
  )?.[1];
  if (contentType !== undefined && !JSON_CONTENT.test(contentType)) {
    throw badRequest('the body must be JSON', [
      { path: 'headers.content-type', message: 'must be application/json' },
    ]);
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON', [{ path: 'body', message: 'not valid JSON' }]);
  }
}

function actionView(requested: RequestedAction) {
  return {
    actionId: requested.action.id,
    status: requested.action.status,
    created: requested.created,
  };
}

async function route(
  deps: ApiDeps,
  event: z.output<typeof httpEventSchema>,
  outcome: HttpOutcome
): Promise<HttpResponse> {
  const method = event.requestContext.http.method;
  const match = matchRoute(method, event.rawPath);
  if (match === null) throw notFound(`no route ${method.toUpperCase()} ${event.rawPath}`);
  outcome.route = match.route.name;
  const jwt = event.requestContext.authorizer?.jwt;
  const auth: JwtAuthorization | null = jwt
    ? { claims: jwt.claims, scopes: jwt.scopes ?? null }
    : null;
  const caller: Caller = callerOf(auth);
  requireScope(caller, match.route.scopes);
  const query = event.queryStringParameters ?? {};

  switch (match.route.name) {
    case 'requestAction': {
      const body = jsonBody(event);
      requireScope(caller, [OPERATION_SCOPES[operationOf(body)]]);
      const request = parseActionRequest(body);
      if ('override' in request && request.override !== undefined) {
        requireScope(caller, [API_SCOPES.override]);
      }
      outcome.ticketId = request.ticketId;
      const result = await requestAction(deps, request, caller);
      outcome.actions = result.actions;
      const [first] = result.actions;
      if (first === undefined) throw new Error('a request resolved to no action');
      const views = result.actions.map(actionView);
      const payload = {
        ...actionView(first),
        ...(request.operation === 'close-file' && request.fileId === undefined
          ? { actions: views }
          : {}),
      };
      const failed = result.actions.filter((a) => a.sendError !== null);
      if (failed.length > 0 && failed.length === result.actions.length) {
        return respond(502, {
          error: 'dispatch-failed',
          message: `the command could not be sent (${failed.map((a) => a.sendError).join(', ')}); the action is ${first.action.status}`,
          ...payload,
        });
      }
      return respond(202, payload);
    }
    case 'listActions': {
      const parsed = parseOr400(listQuerySchema, query, 'query');
      outcome.ticketId = parsed.ticketId ?? null;
      return respond(200, await listActions(deps, parsed));
    }
    case 'getAction': {
      const { id } = parseOr400(actionIdParamSchema, match.params, 'path');
      const action: Action = await getAction(deps, id);
      if (action.trigger.kind === 'api') outcome.ticketId = action.trigger.ticketId;
      return respond(200, action);
    }
    case 'listHostSessions': {
      const { instanceId } = parseOr400(hostParamSchema, match.params, 'path');
      parseOr400(z.strictObject({}), query, 'query');
      return respond(200, await listHostSessions(deps, instanceId));
    }
    case 'listHostOpenFiles': {
      const { instanceId } = parseOr400(hostParamSchema, match.params, 'path');
      const { include, path, after } = parseOr400(openFilesQuerySchema, query, 'query');
      return respond(
        200,
        await listHostOpenFiles(deps, instanceId, {
          smbSessions: include === 'smb-sessions',
          ...(path === undefined ? {} : { PathFilter: path }),
          ...(after === undefined ? {} : { AfterFileId: after }),
        })
      );
    }
  }
}

/**
 * Answers one API request. Every failure becomes a JSON error body: the API's own errors with
 * their status, a bad ledger or dispatcher input as 400, anything else as a bare 500
 * `{error: 'internal'}` (the cause is in `unexpected`, for the log).
 */
export async function handleHttpEvent(deps: ApiDeps, input: unknown): Promise<HttpOutcome> {
  const outcome: HttpOutcome = {
    response: respond(500, { error: 'internal', message: 'internal error' }),
    route: null,
    actions: [],
    ticketId: null,
    unexpected: null,
  };
  const event = httpEventSchema.safeParse(input);
  if (!event.success) {
    outcome.unexpected = event.error;
    return outcome;
  }
  try {
    outcome.response = await route(deps, event.data, outcome);
  } catch (error) {
    if (error instanceof ApiError) {
      outcome.response = respond(error.status, error.body());
      if (error.status >= 500) outcome.unexpected = error.cause ?? null;
    } else if (error instanceof InvalidLedgerInputError) {
      outcome.response = respond(400, badRequest(error.message).body());
    } else if (error instanceof DispatchError && error.code === 'invalid-request') {
      outcome.response = respond(400, badRequest(error.message).body());
    } else if (error instanceof DispatchError) {
      outcome.response = respond(502, { error: 'host-error', message: 'SSM did not answer' });
      outcome.unexpected = error;
    } else {
      outcome.unexpected = error;
    }
  }
  return outcome;
}
