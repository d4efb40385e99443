import { z } from 'zod';
import { API_SCOPES, OPERATION_SCOPES, type RouteName } from '../contract.js';
import { type Caller, requireScope } from './auth.js';
import type { ApiDeps } from './deps.js';
import { getSweep, listHosts, listSweeps } from './fleet.js';
import {
  getAction,
  listActions,
  listHostOpenFiles,
  listHostSessions,
  listHostShells,
} from './queries.js';
import { type RequestedAction, requestAction } from './request-action.js';
import {
  actionIdParamSchema,
  hostParamSchema,
  hostsQuerySchema,
  listQuerySchema,
  openFilesQuerySchema,
  operationOf,
  parseActionRequest,
  parseOr400,
  sweepIdParamSchema,
  sweepsQuerySchema,
} from './schemas.js';

/**
 * The API's use cases by route, without HTTP: the edge (`functions/api`) reads the event, matches
 * the route, checks its scopes and parses the body; this answers with a result or an `ApiError`,
 * and the edge gives both their status.
 */

export interface ApiRequest {
  route: RouteName;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body of a route that takes one. */
  body: unknown;
  /** Holds one of the route's scopes already. */
  caller: Caller;
}

export interface ApiAnswer {
  /**
   * `found`: what was asked for; `accepted`: the actions are recorded and sent (or being sent);
   * `dispatch-failed`: recorded, but no command could be sent.
   */
  kind: 'found' | 'accepted' | 'dispatch-failed';
  body: unknown;
  /** The actions a `requestAction` recorded or found. */
  actions: RequestedAction[];
}

/** Keys for the request's log lines, given as soon as they are known (a refusal carries them). */
export type NoteKeys = (keys: { ticketId: string }) => void;

function actionView(requested: RequestedAction) {
  return {
    actionId: requested.action.id,
    status: requested.action.status,
    created: requested.created,
  };
}

function found(body: unknown): ApiAnswer {
  return { kind: 'found', body, actions: [] };
}

export async function answerRequest(
  deps: ApiDeps,
  request: ApiRequest,
  note: NoteKeys
): Promise<ApiAnswer> {
  const { caller, params, query } = request;
  switch (request.route) {
    case 'requestAction': {
      requireScope(caller, [OPERATION_SCOPES[operationOf(request.body)]]);
      const action = parseActionRequest(request.body);
      if ('override' in action && action.override !== undefined) {
        requireScope(caller, [API_SCOPES.override]);
      }
      note({ ticketId: action.ticketId });
      const { actions } = await requestAction(deps, action, caller);
      const [first] = actions;
      if (first === undefined) throw new Error('a request resolved to no action');
      const body = {
        ...actionView(first),
        actions:
          action.operation === 'close-file' && action.fileId === undefined
            ? actions.map(actionView)
            : undefined,
      };
      const failed = actions.filter((a) => a.sendError !== null);
      if (failed.length > 0 && failed.length === actions.length) {
        return {
          kind: 'dispatch-failed',
          body: {
            error: 'dispatch-failed',
            message: `the command could not be sent (${failed.map((a) => a.sendError).join(', ')}); the action is ${first.action.status}`,
            ...body,
          },
          actions,
        };
      }
      return { kind: 'accepted', body, actions };
    }
    case 'listActions': {
      const parsed = parseOr400(listQuerySchema, query, 'query');
      if (parsed.ticketId !== undefined) note({ ticketId: parsed.ticketId });
      return found(await listActions(deps, parsed));
    }
    case 'getAction': {
      const { id } = parseOr400(actionIdParamSchema, params, 'path');
      const action = await getAction(deps, id);
      if (action.trigger.kind === 'api') note({ ticketId: action.trigger.ticketId });
      return found(action);
    }
    case 'listHostSessions': {
      const { instanceId } = parseOr400(hostParamSchema, params, 'path');
      parseOr400(z.strictObject({}), query, 'query');
      return found(await listHostSessions(deps, instanceId));
    }
    case 'listHostShells': {
      const { instanceId } = parseOr400(hostParamSchema, params, 'path');
      parseOr400(z.strictObject({}), query, 'query');
      return found(await listHostShells(deps, instanceId));
    }
    case 'listHosts': {
      parseOr400(z.strictObject({}), params, 'path');
      return found(await listHosts(deps, parseOr400(hostsQuerySchema, query, 'query')));
    }
    case 'listSweeps':
      return found(await listSweeps(deps, parseOr400(sweepsQuerySchema, query, 'query')));
    case 'getSweep': {
      const { id } = parseOr400(sweepIdParamSchema, params, 'path');
      parseOr400(z.strictObject({}), query, 'query');
      return found(await getSweep(deps, id));
    }
    case 'listHostOpenFiles': {
      const { instanceId } = parseOr400(hostParamSchema, params, 'path');
      const { include, path, after } = parseOr400(openFilesQuerySchema, query, 'query');
      return found(
        await listHostOpenFiles(deps, instanceId, {
          smbSessions: include === 'smb-sessions',
          PathFilter: path,
          AfterFileId: after,
        })
      );
    }
  }
}
