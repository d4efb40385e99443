import { z } from 'zod';

/**
 * Every environment variable session-janitor reads, validated once at cold start. The CDK stack
 * sets them in the cloud; `npm start` sets them for the local runtime. Nothing else in the code
 * reads `process.env`.
 */
const envSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** The Command document of every operation; only the functions that act may send it. */
  DOCUMENT_NAME: z.string().min(1).default('SessionJanitor-Operate'),
  /** Its read-only twin (listings only), which the functions that only look send. */
  READ_DOCUMENT_NAME: z.string().min(1).default('SessionJanitor-Read'),
  /** Only instances carrying this tag (with this value) are ever targeted. */
  MANAGED_TAG_KEY: z.string().min(1).default('session-janitor:managed'),
  MANAGED_TAG_VALUE: z.string().min(1).default('true'),
  /** Tag whose value selects the host's policy group; hosts without it use the default group. */
  POLICY_GROUP_TAG_KEY: z.string().min(1).default('session-janitor:policy-group'),
  /** The policy document (JSON). Absent: the built-in policy, which acts on nothing. */
  POLICY: z.string().optional(),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  /** SendCommand `TimeoutSeconds`: how long SSM may wait to deliver a command (30–2,592,000). */
  DELIVERY_TIMEOUT_SECONDS: z.coerce.number().int().min(30).max(2_592_000).default(600),
  /** The document step's `executionTimeout`, used to compute when a dispatched action is overdue. */
  EXECUTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(172_800).default(120),
  /** CloudWatch log group for command output (`CloudWatchOutputConfig`); empty turns it off. */
  SSM_OUTPUT_LOG_GROUP: z.string().default(''),
  /** How long a live host query (`GET /v1/hosts/{id}/sessions`) may wait for the host. */
  HOST_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(25_000).default(20_000),
  /**
   * Idle checks (`ListSessions`) `Session Idle` events may make one host run per window: anyone
   * allowed to put events on the bus can make a managed host list its sessions (0 turns events off).
   */
  IDLE_EVENT_CHECKS_PER_HOST: z.coerce.number().int().min(0).max(1000).default(20),
  /** The fixed window (UTC) of `IDLE_EVENT_CHECKS_PER_HOST`, in minutes. */
  IDLE_EVENT_CHECK_WINDOW_MINUTES: z.coerce.number().int().min(1).max(60).default(1),
  /**
   * The bus every action's terminal transition is published on (`Action Status-change`); absent:
   * outcomes are not published.
   */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Endpoint overrides: set by the local runtime and the tests, never in the cloud. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SSM_ENDPOINT: z.url().optional(),
  EVENTS_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `invalid environment: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error }
    );
  }
  return parsed.data;
}
