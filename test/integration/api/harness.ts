import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { inject } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { createClients } from '../../../lib/aws/clients.js';
import { loadConfig } from '../../../lib/config/env.js';
import type { Observer } from '../../../lib/dispatch/observer.js';
import type { Ledger } from '../../../lib/ledger/ledger.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
import { type DeadLetter, LocalQueue } from '../../../local/runtime/event-bus.js';
import { lambdaContext } from '../../../local/runtime/lambda-context.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm, SsmEventBridgeEvent } from '../../../local/ssm/types.js';

/**
 * The `api` handler against dynalite, the local SSM and a simulated fleet, through the real SDK
 * clients; the `command-status` handler completes actions from the local SSM's status events,
 * wrapped as SQS records as in the cloud.
 */

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface ApiResult {
  statusCode: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, unknown>;
}

export interface ApiHarness {
  fleet: SimulatedFleet;
  localSsm: LocalSsm;
  tableName: string;
  invoke(event: ApiEvent): Promise<ApiResult>;
  /** The middy handler itself, for the local gateway. */
  handler: (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  /** Waits until every command is terminal and its status events have been processed. */
  settle(): Promise<void>;
  action(id: string): Promise<Action | null>;
  ledger: Ledger;
  /** Runs the `sweep` function for this scheduled time (its listings reach `command-status`). */
  sweep(scheduledTime: string): Promise<void>;
  /**
   * Makes the API's SSM client fail the named command (`SendCommandCommand`) until cleared; with
   * `afterSend`, the request reaches SSM first and only its answer is lost (a 5xx or a reset
   * connection after SSM accepted it).
   */
  failSsm(commandName: string | null, error?: Error, options?: { afterSend?: boolean }): void;
  /** Holds every call of the named command this long before it reaches SSM, until cleared. */
  delaySsm(commandName: string | null, ms?: number): void;
  hostId(computerName: string): string;
  close(): Promise<void>;
}

const silentObserver: Observer = {
  planned: () => undefined,
  finished: () => undefined,
  sweepRan: () => undefined,
  ssmThrottled: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

const samplesDir = new URL('../../../events/apigw/', import.meta.url);

/** A fresh copy of a sample event from `events/apigw/`. */
export function sample(name: string): ApiEvent {
  return structuredClone(
    JSON.parse(readFileSync(new URL(`${name}.json`, samplesDir), 'utf8')) as ApiEvent
  );
}

/** A sample POST with its body replaced (and merged over the sample's body). */
export function postWith(name: string, body: Record<string, unknown>): ApiEvent {
  const event = sample(name);
  const base = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
  event.body = JSON.stringify({ ...base, ...body });
  return event;
}

/** The event with another path (GET samples: their `rawPath` and parameters follow). */
export function withPath(event: ApiEvent, path: string, params: Record<string, string>): ApiEvent {
  event.rawPath = path;
  event.requestContext.http.path = path;
  event.pathParameters = params;
  return event;
}

export function withQuery(event: ApiEvent, query: Record<string, string>): ApiEvent {
  event.queryStringParameters = query;
  event.rawQueryString = new URLSearchParams(query).toString();
  return event;
}

export function withScope(event: ApiEvent, scope: string): ApiEvent {
  event.requestContext.authorizer.jwt.claims.scope = scope;
  event.requestContext.authorizer.jwt.scopes = scope.split(' ');
  return event;
}

/** An SDK-style service error, as the SSM client would throw it. */
export function serviceError(name: string, message = ''): Error {
  return Object.assign(new Error(message), { name, $fault: 'server' });
}

export async function startApiHarness(
  options: {
    hostQueryTimeoutMs?: number;
    dispatchGraceMs?: number;
    policy?: unknown;
    /** The functions read the fleet's clock, as a sweep's listings must be fresh by it. */
    fleetClock?: boolean;
  } = {}
): Promise<ApiHarness> {
  const fleet = createFleet({ seed: 11, liveSessions: false, durationScale: 0 });
  const localSsm = await startLocalSsm({
    fleet,
    timing: { pendingMs: 5, eventDelayMs: 1, delayedAfterMs: 50, retryDeliveryMs: 50 },
  });
  const tableName = `api-${randomUUID()}`;
  // The function modules build their process-wide runtime from the environment on import.
  process.env.TABLE_NAME ??= tableName;
  process.env.SSM_ENDPOINT ??= localSsm.endpoint;
  process.env.DYNAMODB_ENDPOINT ??= inject('dynamodbEndpoint');
  const config = loadConfig({
    TABLE_NAME: tableName,
    SSM_ENDPOINT: localSsm.endpoint,
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    HOST_QUERY_TIMEOUT_MS: String(options.hostQueryTimeoutMs ?? 5000),
    ...(options.policy === undefined ? {} : { POLICY: JSON.stringify(options.policy) }),
    AWS_REGION: 'us-east-1',
  });
  const clients = createClients(config);
  let fault: { commandName: string; error: Error; afterSend: boolean } | null = null;
  let delay: { commandName: string; ms: number } | null = null;
  // A fault the local SSM cannot produce on demand for one call (SendCommand refused after the
  // host was found, or accepted with its answer lost), injected into the real client's stack.
  clients.ssm.middlewareStack.add(
    (next, context) => async (args) => {
      if (delay !== null && context.commandName === delay.commandName) {
        await new Promise((resolve) => setTimeout(resolve, delay?.ms));
      }
      if (fault === null || context.commandName !== fault.commandName) return next(args);
      const { error, afterSend } = fault;
      if (afterSend) await next(args);
      throw error;
    },
    { step: 'initialize', name: 'apiHarnessFault' }
  );
  await createLedgerTable(clients.ddb, tableName);
  const { createRuntime } = await import('../../../functions/shared/runtime.js');
  const { createApiHandler } = await import('../../../functions/api.js');
  const { createCommandStatusHandler } = await import('../../../functions/command-status.js');
  const runtime = createRuntime(config, {
    clients,
    observer: silentObserver,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...(options.fleetClock ? { clock: () => fleet.now() } : {}),
  });
  const api = createApiHandler(runtime, {
    hostQueryPollMs: 10,
    ...(options.dispatchGraceMs === undefined ? {} : { dispatchGraceMs: options.dispatchGraceMs }),
  });
  const commandStatus = createCommandStatusHandler(runtime);
  const { createSweepHandler } = await import('../../../functions/sweep.js');
  const sweep = createSweepHandler(runtime);

  // Status events reach command-status through a queue with redelivery, as in the cloud: an
  // event can overtake the API's own `markDispatched` and must come back later.
  const deadLetters: DeadLetter[] = [];
  const queue = new LocalQueue({
    name: 'command-status',
    handler: commandStatus,
    deadLetters,
    visibilityTimeoutMs: 20,
    maxReceiveCount: 10,
  });
  const deliver = (event: SsmEventBridgeEvent) => {
    if (event['detail-type'] !== 'EC2 Command Invocation Status-change Notification') return;
    queue.send(JSON.stringify(event));
  };
  const unsubscribe = localSsm.subscribe(deliver);

  return {
    fleet,
    localSsm,
    tableName,
    handler: (event, context) => api(event, context),
    async invoke(event) {
      const result = (await api(
        event,
        lambdaContext('api', randomUUID())
      )) as APIGatewayProxyStructuredResultV2;
      return {
        statusCode: result.statusCode ?? 0,
        headers: result.headers ?? {},
        body: JSON.parse(result.body ?? 'null') as Record<string, unknown>,
      };
    },
    async settle() {
      await localSsm.idle();
      await queue.idle();
      if (deadLetters.length > 0)
        throw new Error(`status events dead-lettered: ${deadLetters.length}`);
    },
    action: (id) => runtime.ledger.getAction(id),
    ledger: runtime.ledger,
    async sweep(scheduledTime) {
      await sweep({ scheduledTime }, lambdaContext('sweep', randomUUID()));
    },
    failSsm(commandName, error = serviceError('InternalServerError', 'injected'), options = {}) {
      fault =
        commandName === null ? null : { commandName, error, afterSend: options.afterSend ?? false };
    },
    delaySsm(commandName, ms = 200) {
      delay = commandName === null ? null : { commandName, ms };
    },
    hostId(computerName) {
      const instance = fleet.instances().find((i) => i.computerName === computerName);
      if (!instance) throw new Error(`no host ${computerName} in the fleet`);
      return instance.instanceId;
    },
    async close() {
      unsubscribe();
      queue.close();
      await localSsm.close();
    },
  };
}

/** The commands the local SSM accepted, by document operation. */
export function commandsOf(localSsm: LocalSsm, operation?: string) {
  return localSsm
    .commands()
    .filter((c) => operation === undefined || c.parameters.Operation?.[0] === operation);
}
