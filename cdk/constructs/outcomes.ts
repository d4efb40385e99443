import { Duration, SecretValue } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventBus,
  HttpMethod,
  Rule,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ACTION_STATUS_DETAIL_TYPE, ACTION_STATUS_SOURCE, EVENT_BUS } from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

/** Where ticket actions' outcomes are posted (`session-janitor:ticketWebhook`). */
export interface TicketWebhook {
  /** The ticket system's endpoint, https. */
  readonly url: string;
  /**
   * Name or ARN of an existing Secrets Manager secret holding the header value (e.g.
   * `Basic <base64 user:password>` for ServiceNow, or an API key): it never passes through
   * context or the template.
   */
  readonly secretName: string;
  /** The JSON field of the secret holding the value. @default - the whole secret string */
  readonly secretField?: string;
  /** @default 'Authorization' */
  readonly headerName?: string;
  /** Calls per second the ticket system takes. @default 5 */
  readonly ratePerSecond?: number;
}

/**
 * The bus the functions publish every action's `Action Status-change` event on, and optionally an
 * API destination that forwards ticket actions' events to a ticket system (retried for a day,
 * then to the failed-events queue).
 */
export function createOutcomes(
  scope: Construct,
  options: {
    functions: readonly JanitorFunction[];
    deadLetterQueue: IQueue;
    ticketWebhook?: TicketWebhook;
  }
): { bus: EventBus; rule: Rule | undefined } {
  const bus = new EventBus(scope, 'Bus', {
    eventBusName: EVENT_BUS,
    description: 'session-janitor: action outcomes (Action Status-change)',
  });
  for (const fn of options.functions) {
    bus.grantPutEventsTo(fn.function);
    fn.function.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
  }
  const webhook = options.ticketWebhook;
  if (webhook === undefined) return { bus, rule: undefined };
  const connection = new Connection(scope, 'TicketConnection', {
    description: 'session-janitor: credentials of the ticket webhook (kept by EventBridge)',
    authorization: Authorization.apiKey(
      webhook.headerName ?? 'Authorization',
      SecretValue.secretsManager(
        webhook.secretName,
        webhook.secretField === undefined ? {} : { jsonField: webhook.secretField }
      )
    ),
  });
  const destination = new ApiDestination(scope, 'TicketDestination', {
    description: 'session-janitor: ticket actions reaching a terminal status',
    connection,
    endpoint: webhook.url,
    httpMethod: HttpMethod.POST,
    rateLimitPerSecond: webhook.ratePerSecond ?? 5,
  });
  const rule = new Rule(scope, 'TicketOutcomeRule', {
    eventBus: bus,
    description: 'Outcomes of ticket (API) actions, for the ticket webhook',
    eventPattern: {
      source: [ACTION_STATUS_SOURCE],
      detailType: [ACTION_STATUS_DETAIL_TYPE],
      detail: { trigger: { kind: ['api'] } },
    },
    targets: [
      new ApiDestinationTarget(destination, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    ],
  });
  return { bus, rule };
}
