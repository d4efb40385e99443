import type { Operation } from './actions/model.js';

/**
 * What the functions, the CDK stack and the local runtime must agree on, in one pure module (no
 * I/O, no SDK): the only part of `lib/` that `cdk/` imports, so the stack cannot spell a name
 * differently from the code that uses it.
 */

/**
 * A managed node's id as SSM's own pattern has it: an EC2 instance (`i-` + 8 or 17) or a hybrid
 * node (`mi-` + 17). One rule for every place that checks one.
 */
export const INSTANCE_ID_PATTERN =
  /^(?:i-(?:[0-9A-Za-z_]{8}|[0-9A-Za-z_]{17})|mi-[0-9A-Za-z_]{17})$/;

/** `POWERTOOLS_SERVICE_NAME` and the CloudWatch namespace of the functions' metrics. */
export const SERVICE_NAME = 'session-janitor';
export const METRICS_NAMESPACE = 'SessionJanitor';

/**
 * Metric names the functions emit (dimensions: operation and outcome, operation and reason, route
 * and status, operation alone, or none beyond `service`).
 */
export const METRIC_NAMES = {
  actionsPlanned: 'ActionsPlanned',
  /** One per finished action, `outcome` = its terminal status. */
  actionOutcome: 'ActionOutcome',
  apiActions: 'ApiActions',
  apiRequests: 'ApiRequests',
  /** One per skipped action, `reason` = its result's error code (`policy:quiet-hours`…). */
  actionsSkipped: 'ActionsSkipped',
  /** Milliseconds one sweep invocation took: listing the fleet, asking it, reconciling. */
  sweepDuration: 'SweepDuration',
  /** Managed hosts a sweep found (and asked, unless a retried attempt found them asked). */
  sweepHosts: 'SweepHosts',
  /** One per SSM call retried after throttling, `operation` = the SSM API. */
  ssmThrottleRetries: 'SsmThrottleRetries',
} as const;

// ---------------------------------------------------------------------------------------------
// The Command documents

export const DOCUMENT_NAME = 'SessionJanitor-Operate';
/**
 * The read-only twin of the document: the same script, allowed only the listing operations. IAM
 * cannot look at parameters, so a role that may send `SessionJanitor-Operate` may log anyone off;
 * the functions that only look (the sweep, `idle-event`) may send this one alone.
 */
export const READ_DOCUMENT_NAME = 'SessionJanitor-Read';

/**
 * Installs, updates or removes the host-side watcher: a scheduled task that puts a `Session Idle`
 * event for each disconnect record of LocalSessionManager/Operational. Run by a State Manager
 * association, never by the functions.
 */
export const WATCHER_DOCUMENT_NAME = 'SessionJanitor-InstallWatcher';

/** Operations that only look: the read-only document allows these and nothing else. */
export const READ_OPERATIONS = [
  'ListSessions',
  'ListSmbSessions',
  'ListOpenFiles',
  'ListShells',
] as const;

/** The names the two documents have in this deployment. */
export interface HostDocuments {
  /** Every operation: only the functions that act may send it. */
  operate: string;
  /** {@link READ_OPERATIONS} only. */
  read: string;
}

/** The names the stack gives them (the functions read theirs from the environment). */
export const DEFAULT_DOCUMENTS: HostDocuments = {
  operate: DOCUMENT_NAME,
  read: READ_DOCUMENT_NAME,
};

/** The document an operation is sent with: the read-only one whenever it suffices. */
export function documentFor(documents: HostDocuments, operation: string): string {
  return (READ_OPERATIONS as readonly string[]).includes(operation)
    ? documents.read
    : documents.operate;
}

/**
 * The read-only document's content, derived from the operate document's so that the two can
 * never run different scripts: the same parameters and step, `Operation` limited to the listings
 * (SSM refuses any other value before the host sees it).
 */
export function readOnlyDocumentContent(operateContent: string): string {
  const document = JSON.parse(operateContent) as {
    description: string;
    parameters: { Operation: { allowedValues: string[] } };
  };
  document.description = `${document.description} Read-only: lists sessions, SMB sessions, open files and remote shells, changes nothing.`;
  document.parameters.Operation.allowedValues = [...READ_OPERATIONS];
  return `${JSON.stringify(document, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Events

/** The stack's own event bus: action outcomes are published on it (`Action Status-change`). */
export const EVENT_BUS = 'session-janitor';
/** The event every action's terminal transition publishes (events/action-status-change). */
export const ACTION_STATUS_SOURCE = 'session-janitor';
export const ACTION_STATUS_DETAIL_TYPE = 'Action Status-change';

/** The `Session Idle` custom event a host puts on the bus. */
export const SESSION_IDLE_SOURCE = 'session-janitor.host';
export const SESSION_IDLE_DETAIL_TYPE = 'Session Idle';

/** Run Command's status events (EventBridge, source `aws.ssm`). */
export const SSM_EVENT_SOURCE = 'aws.ssm';
export const INVOCATION_DETAIL_TYPE = 'EC2 Command Invocation Status-change Notification';
export const COMMAND_DETAIL_TYPE = 'EC2 Command Status-change Notification';

/**
 * Invocation states after which SSM still has something to say: events with these are not worth a
 * read (the stack's rule and the local bus leave them out of the status queue).
 */
export const NOT_FINAL_STATUSES = ['Pending', 'InProgress', 'Delayed', 'Cancelling'] as const;

/**
 * How status events reach `command-status` (the stack's event source mapping; the local runtime's
 * queue): up to 100 records, gathered for up to 5 s while fewer wait. The invocations of one
 * many-host command (≤ 50 hosts) then mostly share a batch, and one ListCommandInvocations reads
 * them all. `concurrency`: consumers at once (the stack's default; its `statusConcurrency`
 * overrides it in the cloud).
 */

export const STATUS_BATCH = { size: 100, windowSeconds: 5, concurrency: 5 } as const;

/**
 * The HTTP API stage's default throttle (the stack's `apiThrottle`, which overrides it): a token
 * bucket of `burstLimit` requests refilled at `rateLimit` a second, past which API Gateway answers
 * 429 Too Many Requests before the authorizer or the function runs. The local gateway applies the
 * same bucket, so a burst gets locally what it would get from the deployed stage.
 */
export const API_THROTTLE: ApiThrottle = { rateLimit: 10, burstLimit: 20 };

export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** The bucket's size: requests at once. */
  readonly burstLimit: number;
}

/**
 * How long each function may run per invocation, in seconds (the stack's timeouts; the local
 * runtime gives its functions the same, so a batch that runs long times out as it would in Lambda
 * and not earlier). The API's stays under API Gateway's 30 s integration limit.
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  sweep: 120,
  'command-status': 60,
  'idle-event': 30,
  api: 29,
} as const;

// ---------------------------------------------------------------------------------------------
// The ledger table

/**
 * The ledger table, independent of its name: the CDK stack mirrors it (a test compares them) and
 * `createLedgerTable` builds it on dynalite or DynamoDB.
 *
 * - `byHost`: a host's history in time order (`HOST#<instanceId>`, `<createdAt>#<actionId>`).
 * - `byTicket`: API actions of a ticket (`TICKET#<ticketId>`, `<createdAt>#<actionId>`); it also
 *   holds a sweep's own actions (`SWEEP#<sweepId>`, `<createdAt>#<actionId>`), and one entry per
 *   sweep (`SWEEPS`, `<scheduledAt>#<sweepId>`) so that sweeps list newest first without a Scan.
 * - `byUser`: sparse, every action that targets a user (a session's expected user, an SMB
 *   session's user, a shell's owner) and the record of each other user an action cut off (an SMB
 *   session ended by client, a file closed by path): `USER#<bare user name, lowercased>`,
 *   `<createdAt>#<actionId>`, with `userKeys` (the lowercased names, domain and all) to tell
 *   domains apart.
 * - `byCommand`: the action behind a status event (`CMD#<commandId>#<instanceId>`,
 *   `<dispatchedAt>#<actionId>`).
 * - `byDeadline`: sparse, only open actions carry its keys (`OPEN`, `<deadline>#<actionId>`): the
 *   planned deadline from creation, the dispatch deadline from dispatch; completion removes them
 *   (reconcile's own, once its outcome is published), so reconcile reads the open actions, oldest
 *   deadline first, without a Scan. One
 *   partition: it takes three writes per action (in the same requests as the item), far below
 *   a partition's limit.
 */
export const LEDGER_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  attributeDefinitions: [
    { name: 'pk', type: 'S' },
    { name: 'sk', type: 'S' },
    { name: 'gsi1pk', type: 'S' },
    { name: 'gsi1sk', type: 'S' },
    { name: 'gsi2pk', type: 'S' },
    { name: 'gsi2sk', type: 'S' },
    { name: 'gsi3pk', type: 'S' },
    { name: 'gsi3sk', type: 'S' },
    { name: 'gsi4pk', type: 'S' },
    { name: 'gsi4sk', type: 'S' },
    { name: 'gsi5pk', type: 'S' },
    { name: 'gsi5sk', type: 'S' },
  ],
  globalSecondaryIndexes: [
    { indexName: 'byHost', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    { indexName: 'byTicket', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
    { indexName: 'byCommand', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'ALL' },
    { indexName: 'byDeadline', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'ALL' },
    { indexName: 'byUser', partitionKey: 'gsi5pk', sortKey: 'gsi5sk', projection: 'ALL' },
  ],
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
} as const;

export type LedgerIndexName = (typeof LEDGER_TABLE.globalSecondaryIndexes)[number]['indexName'];

// ---------------------------------------------------------------------------------------------
// The API

/**
 * The API's routes and OAuth scopes, in one place: the function routes by them, the local gateway
 * and the CDK stack declare the same routes with the same `authorizationScopes`.
 */

/** The OAuth resource server of the API; a scope is `<resource server>/<name>`. */
export const RESOURCE_SERVER_ID = 'session-janitor';

export const API_SCOPES = {
  read: 'session-janitor/read',
  act: 'session-janitor/act',
  logoff: 'session-janitor/logoff',
  files: 'session-janitor/files',
  /** With the operation's own scope: act on a session the policy excludes (`override`). */
  override: 'session-janitor/override',
  shells: 'session-janitor/shells',
} as const;
export type ApiScope = (typeof API_SCOPES)[keyof typeof API_SCOPES];
export type ApiScopeName = keyof typeof API_SCOPES;

/** What each scope allows, as the identity provider shows it. */
export const API_SCOPE_DESCRIPTIONS: Record<ApiScopeName, string> = {
  read: 'Read actions, sweeps, hosts, host sessions and open files',
  act: 'Disconnect sessions and notify users',
  logoff: 'Log users off',
  files: 'End SMB sessions and close open files',
  override: 'Act on sessions the policy excludes, when the request says so',
  shells: 'End WinRM remote shells',
};

/** The scope each operation needs; the route itself only asks for any of them. */
export const OPERATION_SCOPES = {
  disconnect: API_SCOPES.act,
  notify: API_SCOPES.act,
  logoff: API_SCOPES.logoff,
  'end-smb-session': API_SCOPES.files,
  'close-file': API_SCOPES.files,
  'end-shell': API_SCOPES.shells,
} as const satisfies Record<Operation, ApiScope>;

export const ROUTE_NAMES = [
  'requestAction',
  'listActions',
  'getAction',
  'listHostSessions',
  'listHostOpenFiles',
  'listHostShells',
  'listHosts',
  'listSweeps',
  'getSweep',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface ApiRoute {
  name: RouteName;
  method: 'GET' | 'POST';
  /** API Gateway route path, e.g. `/v1/actions/{id}`. */
  path: string;
  /** The route's `authorizationScopes`: a token needs at least one of them. */
  scopes: readonly ApiScope[];
}

export const API_ROUTES: readonly ApiRoute[] = [
  {
    name: 'requestAction',
    method: 'POST',
    path: '/v1/actions',
    scopes: [API_SCOPES.act, API_SCOPES.logoff, API_SCOPES.files, API_SCOPES.shells],
  },
  { name: 'listActions', method: 'GET', path: '/v1/actions', scopes: [API_SCOPES.read] },
  { name: 'getAction', method: 'GET', path: '/v1/actions/{id}', scopes: [API_SCOPES.read] },
  {
    name: 'listHostSessions',
    method: 'GET',
    path: '/v1/hosts/{instanceId}/sessions',
    scopes: [API_SCOPES.read],
  },
  {
    name: 'listHostOpenFiles',
    method: 'GET',
    path: '/v1/hosts/{instanceId}/open-files',
    scopes: [API_SCOPES.read],
  },
  {
    name: 'listHostShells',
    method: 'GET',
    path: '/v1/hosts/{instanceId}/shells',
    scopes: [API_SCOPES.read],
  },
  { name: 'listHosts', method: 'GET', path: '/v1/hosts', scopes: [API_SCOPES.read] },
  { name: 'listSweeps', method: 'GET', path: '/v1/sweeps', scopes: [API_SCOPES.read] },
  { name: 'getSweep', method: 'GET', path: '/v1/sweeps/{id}', scopes: [API_SCOPES.read] },
];
