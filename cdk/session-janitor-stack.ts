import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { type CfnAssociation, CfnDocument } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  API_THROTTLE,
  DOCUMENT_NAME,
  FUNCTION_TIMEOUT_SECONDS,
  type LedgerIndexName,
  READ_DOCUMENT_NAME,
  readOnlyDocumentContent,
  STATUS_BATCH,
} from '../lib/contract.js';
import { createAlarms } from './constructs/alarms.js';
import { type ApiThrottle, cognitoDomainUrl, createApi, createCognito } from './constructs/api.js';
import { ConsoleSite } from './constructs/console.js';
import { createDashboard } from './constructs/dashboard.js';
import { createHostEvents } from './constructs/host-events.js';
import { JanitorFunction } from './constructs/lambda-function.js';
import { createLedger } from './constructs/ledger.js';
import { createOutcomes, type TicketWebhook } from './constructs/outcomes.js';
import { grantSsm, type SsmNeeds } from './constructs/ssm-access.js';
import {
  createFailedEventsQueue,
  queueStatusEvents,
  routeSessionIdle,
  scheduleSweeps,
} from './constructs/triggers.js';

export type { ApiThrottle, TicketWebhook };

/** Where the document's content is kept; the local SSM loads the same file. */
export const DOCUMENT_PATH = fileURLToPath(
  new URL('./document/session-janitor-operate.json', import.meta.url)
);

/** An existing OpenID Connect issuer whose access tokens the API accepts instead of Cognito's. */
export interface JwtIssuer {
  /** The `iss` claim, an https URL with `/.well-known/openid-configuration` beneath it. */
  readonly issuerUrl: string;
  /** Accepted `aud` (or `client_id`) values. */
  readonly audience: readonly string[];
}

/**
 * Everything a platform engineer configures; each setting can also be set in `cdk.json` as the
 * context key `session-janitor:<name>` (see cdk/config.ts).
 */
export interface SessionJanitorStackProps extends StackProps {
  /**
   * Tag key that marks an instance as managed; SendCommand is allowed only on instances with it.
   * @default 'session-janitor:managed'
   */
  readonly managedTagKey?: string;
  /**
   * Value the managed tag must have.
   * @default 'true'
   */
  readonly managedTagValue?: string;
  /**
   * Tag whose value selects a host's policy group.
   * @default 'session-janitor:policy-group'
   */
  readonly policyGroupTagKey?: string;
  /**
   * EventBridge Scheduler expression of the sweep: `rate(...)` or `cron(...)`.
   * @default 'rate(15 minutes)'
   */
  readonly sweepSchedule?: string;
  /**
   * The policy document (validated by the functions at cold start).
   * @default - none: the built-in policy, which acts on nothing
   */
  readonly policy?: Readonly<Record<string, unknown>>;
  /**
   * Days an action stays in the ledger before its TTL expires.
   * @default 400
   */
  readonly retentionDays?: number;
  /**
   * Days function, access and command-output logs are kept (a CloudWatch Logs retention value).
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Accept tokens of this issuer instead of creating a Cognito user pool.
   * @default - a Cognito user pool with the `session-janitor` resource server and one
   *   machine-to-machine app client
   */
  readonly jwtIssuer?: JwtIssuer;
  /**
   * Prefix of the Cognito hosted domain that issues tokens (ignored with `jwtIssuer`).
   * @default 'session-janitor-<account id>'
   */
  readonly cognitoDomainPrefix?: string;
  /**
   * Default route throttling of the HTTP API.
   * @default API_THROTTLE (lib/contract.ts): { rateLimit: 10, burstLimit: 20 }
   */
  readonly apiThrottle?: ApiThrottle;
  /**
   * How many `command-status` invocations may run at once; bounds the SSM calls they make.
   * @default 5
   */
  readonly statusConcurrency?: number;
  /**
   * SendCommand `TimeoutSeconds`: how long SSM may wait to deliver a command.
   * @default 600
   */
  readonly deliveryTimeoutSeconds?: number;
  /**
   * Keep the ledger (deletion protection, RETAIN) and the logs when the stack is deleted.
   * Set `false` only for throw-away stacks.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * ARNs of the IAM roles the managed hosts' credentials come from (EC2 instance profiles' roles,
   * hybrid activations' service roles): the only principals the bus takes `Session Idle` events
   * from. Attach the stack's `HostEventsPolicyArn` to each.
   * @default - none: the bus refuses every host's event
   */
  readonly hostRoleArns?: readonly string[];
  /**
   * What the watcher association does on every managed host: `install` (also updates) or
   * `remove` (rolls it back).
   * @default 'install'
   */
  readonly watcher?: 'install' | 'remove';
  /**
   * `ListSessions` checks `Session Idle` events may make one host run per window.
   * @default 20
   */
  readonly idleEventChecksPerHost?: number;
  /**
   * The window of `idleEventChecksPerHost`, minutes.
   * @default 1
   */
  readonly idleEventCheckWindowMinutes?: number;
  /**
   * SNS topic that receives alarm state changes.
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * Post ticket (API) actions' `Action Status-change` events to a ticket system through an
   * EventBridge API destination.
   * @default - none: outcomes are published on the stack's bus only
   */
  readonly ticketWebhook?: TicketWebhook;
}

/** The whole service: ledger, four functions, their triggers, the documents, the API, alarms. */
export class SessionJanitorStack extends Stack {
  readonly table: Table;
  readonly functions: Readonly<
    Record<'sweep' | 'commandStatus' | 'idleEvent' | 'api', JanitorFunction>
  >;
  readonly httpApi: HttpApi;
  readonly statusQueue: Queue;
  readonly statusDeadLetterQueue: Queue;
  readonly failedEventsQueue: Queue;
  readonly userPool: UserPool | undefined;
  /** The web console's bucket and distribution (none with `jwtIssuer`). */
  readonly console: ConsoleSite | undefined;
  /** The bus every action's outcome is published on, and the hosts' Session Idle events put. */
  readonly bus: EventBus;
  /** What the hosts' roles need to put Session Idle events on the bus. */
  readonly hostEventsPolicy: ManagedPolicy;
  /** Installs the watcher on every managed host (`SessionJanitor-InstallWatcher`). */
  readonly watcherAssociation: CfnAssociation;

  constructor(scope: Construct, id: string, props: SessionJanitorStackProps = {}) {
    super(scope, id, props);

    const settings = {
      managedTagKey: props.managedTagKey ?? 'session-janitor:managed',
      managedTagValue: props.managedTagValue ?? 'true',
      policyGroupTagKey: props.policyGroupTagKey ?? 'session-janitor:policy-group',
      sweepSchedule: props.sweepSchedule ?? 'rate(15 minutes)',
      retentionDays: props.retentionDays ?? 400,
      logRetention: toRetentionDays(props.logRetentionDays ?? 90),
      apiThrottle: props.apiThrottle ?? API_THROTTLE,
      statusConcurrency: props.statusConcurrency ?? STATUS_BATCH.concurrency,
      deliveryTimeoutSeconds: props.deliveryTimeoutSeconds ?? 600,
      retainData: props.retainData ?? true,
      idleEventChecksPerHost: props.idleEventChecksPerHost ?? 20,
      idleEventCheckWindowMinutes: props.idleEventCheckWindowMinutes ?? 1,
    };
    const removalPolicy = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const document = readDocument(DOCUMENT_PATH);

    this.table = createLedger(this, { retainData: settings.retainData, removalPolicy });

    const commandOutput = new LogGroup(this, 'CommandOutput', {
      retention: settings.logRetention,
      removalPolicy,
    });

    new CfnDocument(this, 'OperateDocument', {
      name: DOCUMENT_NAME,
      documentType: 'Command',
      documentFormat: 'JSON',
      content: document.content,
      updateMethod: 'NewVersion',
    });
    new CfnDocument(this, 'ReadDocument', {
      name: READ_DOCUMENT_NAME,
      documentType: 'Command',
      documentFormat: 'JSON',
      content: JSON.parse(readOnlyDocumentContent(JSON.stringify(document.content))),
      updateMethod: 'NewVersion',
    });
    const documentArn = (name: string) =>
      this.formatArn({ service: 'ssm', resource: 'document', resourceName: name });
    const documentArns = {
      operate: documentArn(DOCUMENT_NAME),
      read: documentArn(READ_DOCUMENT_NAME),
    };

    this.failedEventsQueue = createFailedEventsQueue(this);

    const environment: Record<string, string> = {
      DOCUMENT_NAME,
      READ_DOCUMENT_NAME,
      MANAGED_TAG_KEY: settings.managedTagKey,
      MANAGED_TAG_VALUE: settings.managedTagValue,
      POLICY_GROUP_TAG_KEY: settings.policyGroupTagKey,
      RETENTION_DAYS: String(settings.retentionDays),
      DELIVERY_TIMEOUT_SECONDS: String(settings.deliveryTimeoutSeconds),
      EXECUTION_TIMEOUT_SECONDS: String(document.executionTimeoutSeconds),
      SSM_OUTPUT_LOG_GROUP: commandOutput.logGroupName,
      ...(props.policy === undefined ? {} : { POLICY: policyJson(props.policy) }),
    };
    const functionDefaults = {
      logRetention: settings.logRetention,
      logRemovalPolicy: removalPolicy,
      environment,
    };
    const entry = (name: string) =>
      fileURLToPath(new URL(`../functions/lambda/${name}.ts`, import.meta.url));

    const sweep = new JanitorFunction(this, 'Sweep', {
      ...functionDefaults,
      entry: entry('sweep'),
      description: 'session-janitor sweep: lists managed hosts and asks them for their sessions',
      memorySize: 512,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.sweep),
      invocation: {
        kind: 'async',
        onFailure: this.failedEventsQueue,
        maxEventAge: Duration.minutes(30),
      },
    });
    const commandStatus = new JanitorFunction(this, 'CommandStatus', {
      ...functionDefaults,
      entry: entry('command-status'),
      description: 'session-janitor command-status: turns Run Command results into actions',
      memorySize: 512,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['command-status']),
      invocation: { kind: 'queue' },
    });
    const idleEvent = new JanitorFunction(this, 'IdleEvent', {
      ...functionDefaults,
      environment: {
        ...environment,
        IDLE_EVENT_CHECKS_PER_HOST: String(settings.idleEventChecksPerHost),
        IDLE_EVENT_CHECK_WINDOW_MINUTES: String(settings.idleEventCheckWindowMinutes),
      },
      entry: entry('idle-event'),
      description: 'session-janitor idle-event: acts on Session Idle events from hosts',
      memorySize: 256,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS['idle-event']),
      invocation: {
        kind: 'async',
        onFailure: this.failedEventsQueue,
        // A Session Idle event older than this describes a session that has moved on.
        maxEventAge: Duration.minutes(15),
      },
    });
    const api = new JanitorFunction(this, 'ApiHandler', {
      ...functionDefaults,
      environment: { ...environment, HOST_QUERY_TIMEOUT_MS: '20000' },
      entry: entry('api'),
      description: 'session-janitor API: ticket-driven actions and host queries',
      memorySize: 512,
      // HTTP API integrations time out after 30 s; a live host query waits up to 20 s of it.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.api),
      invocation: { kind: 'sync' },
    });
    this.functions = { sweep, commandStatus, idleEvent, api };

    // The indexes each function queries, and no other (a status event names its action in the
    // command's Comment, so command-status needs no byCommand lookup; byCommand serves operators).
    const tableAccess: Record<keyof typeof this.functions, readonly LedgerIndexName[]> = {
      sweep: ['byDeadline'],
      commandStatus: ['byHost'],
      idleEvent: ['byHost'],
      api: ['byHost', 'byTicket'],
    };
    const ssmNeeds: Record<keyof typeof this.functions, SsmNeeds> = {
      // The sweep and idle-event only ask hosts for their sessions; the actions they lead to are
      // sent by command-status, which reads the listings.
      sweep: { acts: false, describeInstances: true, readInvocations: true, listCommands: true },
      commandStatus: {
        acts: true,
        describeInstances: false,
        readInvocations: true,
        listCommands: true,
      },
      idleEvent: {
        acts: false,
        describeInstances: true,
        readInvocations: false,
        listCommands: false,
      },
      api: { acts: true, describeInstances: true, readInvocations: true, listCommands: true },
    };
    for (const [name, fn] of Object.entries(this.functions) as [
      keyof typeof this.functions,
      JanitorFunction,
    ][]) {
      fn.bindTable(this.table, { indexes: tableAccess[name] });
      grantSsm(this, fn, documentArns, settings, ssmNeeds[name]);
    }

    this.bus = createOutcomes(this, {
      functions: Object.values(this.functions),
      deadLetterQueue: this.failedEventsQueue,
      ticketWebhook: props.ticketWebhook,
    }).bus;

    scheduleSweeps(this, {
      sweep,
      expression: settings.sweepSchedule,
      deadLetterQueue: this.failedEventsQueue,
    });

    const hostEvents = createHostEvents(this, {
      bus: this.bus,
      functions: Object.values(this.functions),
      managedTag: { key: settings.managedTagKey, value: settings.managedTagValue },
      hostRoleArns: props.hostRoleArns ?? [],
      watcher: props.watcher ?? 'install',
    });
    this.hostEventsPolicy = hostEvents.hostPolicy;
    this.watcherAssociation = hostEvents.association;

    routeSessionIdle(this, {
      bus: this.bus,
      idleEvent,
      deadLetterQueue: this.failedEventsQueue,
    });
    const status = queueStatusEvents(this, {
      commandStatus,
      concurrency: settings.statusConcurrency,
      deadLetterQueue: this.failedEventsQueue,
    });
    this.statusQueue = status.queue;
    this.statusDeadLetterQueue = status.deadLetterQueue;

    let authorizer: IHttpRouteAuthorizer;
    let cognito: ReturnType<typeof createCognito> | undefined;
    if (props.jwtIssuer) {
      authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer.issuerUrl, {
        jwtAudience: [...props.jwtIssuer.audience],
      });
      this.userPool = undefined;
      this.console = undefined;
    } else {
      // The console signs in with Cognito: with another issuer there is no client for it here.
      const domainPrefix = props.cognitoDomainPrefix ?? `session-janitor-${this.account}`;
      this.console = new ConsoleSite(this, 'Console', {
        cognitoDomainUrl: cognitoDomainUrl(this, domainPrefix),
        removalPolicy,
      });
      cognito = createCognito(this, domainPrefix, removalPolicy, this.console.origin);
      authorizer = cognito.authorizer;
      this.userPool = cognito.pool;
    }

    this.httpApi = createApi(
      this,
      api,
      authorizer,
      settings.apiThrottle,
      settings.logRetention,
      removalPolicy,
      this.console?.origin
    );
    if (this.console && cognito?.console) {
      this.console.deploy({
        apiUrl: this.httpApi.apiEndpoint,
        auth: {
          kind: 'cognito',
          domain: cognito.domain.baseUrl(),
          clientId: cognito.console.client.userPoolClientId,
          scopes: cognito.console.scopes,
        },
      });
      new CfnOutput(this, 'ConsoleUrl', { value: `${this.console.origin}/` });
    }

    createAlarms(this, {
      functions: this.functions,
      statusDeadLetterQueue: this.statusDeadLetterQueue,
      failedEventsQueue: this.failedEventsQueue,
      alarmTopicArn: props.alarmTopicArn,
    });

    const dashboard = createDashboard(this, {
      functions: this.functions,
      statusQueue: this.statusQueue,
      statusDeadLetterQueue: this.statusDeadLetterQueue,
      failedEventsQueue: this.failedEventsQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboardName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'DocumentName', { value: DOCUMENT_NAME });
    new CfnOutput(this, 'ReadDocumentName', { value: READ_DOCUMENT_NAME });
    new CfnOutput(this, 'CommandOutputLogGroup', { value: commandOutput.logGroupName });
    new CfnOutput(this, 'FailedEventsQueueUrl', { value: this.failedEventsQueue.queueUrl });
  }
}

function toRetentionDays(days: number): RetentionDays {
  const match = Object.values(RetentionDays).find((value) => value === days);
  if (typeof match !== 'number') {
    throw new RangeError(`logRetentionDays ${days} is not a CloudWatch Logs retention period`);
  }
  return match;
}

// Lambda caps a function's environment at 4 KB; the rest of the variables need about 600 bytes.
const MAX_POLICY_BYTES = 3 * 1024;

function policyJson(policy: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(policy);
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw new RangeError(
      `the policy document is ${Buffer.byteLength(text, 'utf8')} bytes; at most ${MAX_POLICY_BYTES} fit in the functions' environment`
    );
  }
  return text;
}

interface LoadedDocument {
  content: Record<string, unknown>;
  /** The longest step timeout: how long after delivery a command may still be running. */
  executionTimeoutSeconds: number;
}

// The agent runs a step without `timeoutSeconds` for at most 3600 s.
const AGENT_DEFAULT_STEP_TIMEOUT_SECONDS = 3600;

function readDocument(path: string): LoadedDocument {
  const content: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(content) || !Array.isArray(content.mainSteps) || content.mainSteps.length === 0) {
    throw new TypeError(`${path} is not a Command document with mainSteps`);
  }
  const timeouts = content.mainSteps.map((step: unknown) => {
    const declared =
      isRecord(step) && isRecord(step.inputs) ? step.inputs.timeoutSeconds : undefined;
    const seconds = Number(declared ?? AGENT_DEFAULT_STEP_TIMEOUT_SECONDS);
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new TypeError(
        `${path}: a step has timeoutSeconds ${String(declared)}, not whole seconds`
      );
    }
    return seconds;
  });
  return { content, executionTimeoutSeconds: Math.max(...timeouts) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
