import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  SQSEvent,
} from 'aws-lambda';
import { inject } from 'vitest';
import type { Action } from '../../../lib/actions/model.js';
import { createClients } from '../../../lib/aws/clients.js';
import type { Observer } from '../../../lib/collect/observer.js';
import { loadConfig } from '../../../lib/config/env.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { SimulatedFleet } from '../../../local/fleet/types.js';
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
  body: Record<string, unknown>;
}

export interface ApiHarness {
  fleet: SimulatedFleet;
  localSsm: LocalSsm;
  tableName: string;
  invoke(event: ApiEvent): Promise<ApiResult>;
  /** Waits until every command is terminal and its status events have been processed. */
  settle(): Promise<void>;
  action(id: string): Promise<Action | null>;
  hostId(computerName: string): string;
  close(): Promise<void>;
}

const silentObserver: Observer = {
  planned: () => undefined,
  finished: () => undefined,
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

export async function startApiHarness(
  options: { hostQueryTimeoutMs?: number; dispatchGraceMs?: number } = {}
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
    AWS_REGION: 'us-east-1',
  });
  const clients = createClients(config);
  await createLedgerTable(clients.ddb, tableName);
  const { createRuntime } = await import('../../../functions/shared/runtime.js');
  const { createApiHandler } = await import('../../../functions/api.js');
  const { createCommandStatusHandler } = await import('../../../functions/command-status.js');
  const runtime = createRuntime(config, {
    clients,
    observer: silentObserver,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  const api = createApiHandler(runtime, {
    hostQueryPollMs: 10,
    ...(options.dispatchGraceMs === undefined ? {} : { dispatchGraceMs: options.dispatchGraceMs }),
  });
  const commandStatus = createCommandStatusHandler(runtime);

  const pending = new Set<Promise<unknown>>();
  const deliver = (event: SsmEventBridgeEvent) => {
    if (event['detail-type'] !== 'EC2 Command Invocation Status-change Notification') return;
    const sqs = {
      Records: [
        {
          messageId: randomUUID(),
          receiptHandle: 'local',
          body: JSON.stringify(event),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:command-status',
          awsRegion: 'us-east-1',
        },
      ],
    } as SQSEvent;
    const work = commandStatus(sqs, lambdaContext('command-status', randomUUID()));
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work.then(() => undefined);
  };
  const unsubscribe = localSsm.subscribe(deliver);

  return {
    fleet,
    localSsm,
    tableName,
    async invoke(event) {
      const result = (await api(
        event,
        lambdaContext('api', randomUUID())
      )) as APIGatewayProxyStructuredResultV2;
      return {
        statusCode: result.statusCode ?? 0,
        body: JSON.parse(result.body ?? 'null') as Record<string, unknown>,
      };
    },
    async settle() {
      await localSsm.idle();
      await Promise.all([...pending]);
    },
    action: (id) => runtime.ledger.getAction(id),
    hostId(computerName) {
      const instance = fleet.instances().find((i) => i.computerName === computerName);
      if (!instance) throw new Error(`no host ${computerName} in the fleet`);
      return instance.instanceId;
    },
    async close() {
      unsubscribe();
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
