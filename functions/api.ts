import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { ApiDeps } from '../lib/api/deps.js';
import { type HttpOutcome, handleHttpEvent } from '../lib/api/http.js';
import { METRIC_NAMES } from '../lib/contract.js';
import { observed } from './shared/middleware.js';
import { log, metrics } from './shared/observability.js';
import { actDeps, type Runtime } from './shared/runtime.js';

export interface ApiHandlerOptions {
  /** Pause between polls of a live host query (tests shorten it). */
  hostQueryPollMs?: number;
  /** See `ApiDeps.dispatchGraceMs`. */
  dispatchGraceMs?: number;
}

/** The use cases' dependencies from a runtime. */
export function apiDeps(runtime: Runtime, options: ApiHandlerOptions = {}): ApiDeps {
  const { config } = runtime;
  return {
    ...actDeps(runtime),
    ledger: runtime.ledger,
    policy: runtime.policy,
    groupTagKey: config.POLICY_GROUP_TAG_KEY,
    managedTag: { key: config.MANAGED_TAG_KEY, value: config.MANAGED_TAG_VALUE },
    hostQueryTimeoutMs: config.HOST_QUERY_TIMEOUT_MS,
    ...(options.hostQueryPollMs === undefined ? {} : { hostQueryPollMs: options.hostQueryPollMs }),
    ...(options.dispatchGraceMs === undefined ? {} : { dispatchGraceMs: options.dispatchGraceMs }),
  };
}

function record(outcome: HttpOutcome): void {
  const { statusCode } = outcome.response;
  const route = outcome.route ?? 'none';
  for (const { action, created } of outcome.actions) {
    const single = metrics.singleMetric();
    single.addDimensions({
      operation: action.operation,
      outcome: created ? action.status : `repeat-${action.status}`,
    });
    single.addMetric(METRIC_NAMES.apiActions, MetricUnit.Count, 1);
  }
  const [first] = outcome.actions;
  log().appendKeys({
    route,
    statusCode,
    ...(outcome.ticketId !== null ? { ticketId: outcome.ticketId } : {}),
    ...(first !== undefined
      ? {
          actionId: first.action.id,
          actionIds: outcome.actions.map((a) => a.action.id),
          created: outcome.actions.map((a) => a.created),
        }
      : {}),
  });
  if (outcome.unexpected !== null) {
    log().error('api request failed', { error: outcome.unexpected as Error });
  } else if (statusCode >= 400) {
    log().info('api request refused', { body: outcome.response.body.slice(0, 500) });
  } else {
    log().info('api request answered');
  }
  const requests = metrics.singleMetric();
  requests.addDimensions({ route, status: String(statusCode) });
  requests.addMetric(METRIC_NAMES.apiRequests, MetricUnit.Count, 1);
}

/**
 * `api` (API Gateway HTTP API, payload 2.0, JWT authorizer): ticket-driven actions and live host
 * queries. The route table is `API_ROUTES` in `lib/api/routes.ts`; the local gateway and the stack
 * declare the same routes.
 */
export function createApiHandler(runtime: Runtime, options: ApiHandlerOptions = {}) {
  const deps = apiDeps(runtime, options);
  return observed(
    async (
      event: APIGatewayProxyEventV2WithJWTAuthorizer
    ): Promise<APIGatewayProxyStructuredResultV2> => {
      const outcome = await handleHttpEvent(deps, event);
      record(outcome);
      return outcome.response;
    }
  );
}
