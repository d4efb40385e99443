import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { PolicyError, parsePolicy } from '../lib/policy/schema.js';

/** Every context key the app reads is `session-janitor:<setting>`, e.g. `session-janitor:sweepSchedule`. */
const CONTEXT_PREFIX = 'session-janitor:';

// Retention periods CloudWatch Logs accepts; "never expire" is not one a deployment may pick.
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE
);

// EventBridge Scheduler accepts rate(), cron() and at(); a recurring sweep needs rate() or cron().
const SCHEDULE_PATTERN =
  /^(rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;

// The CLI passes `-c key=value` values as strings; JSON-valued settings arrive as JSON text then.
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);

const integer = (min: number, max: number) => json(z.number().int().min(min).max(max));

const tagPart = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 'must be a valid tag key or value');

const settingsSchema = z
  .object({
    managedTagKey: tagPart,
    managedTagValue: tagPart,
    policyGroupTagKey: tagPart,
    sweepSchedule: z
      .string()
      .regex(SCHEDULE_PATTERN, 'must be rate(N minutes|hours|days) or cron(...)'),
    // Checked by the functions' own parser: a policy they would refuse at every cold start (a bad
    // value, or `-c` text repeating a key, which JSON.parse would quietly resolve) fails the synth.
    policy: z.unknown().transform((value, ctx) => {
      try {
        parsePolicy(value);
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        const path = error.field ? error.field.split('.') : [];
        ctx.addIssue({ code: 'custom', path, message: error.reason });
        return z.NEVER;
      }
      return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
    }),
    retentionDays: integer(1, 3650),
    logRetentionDays: json(
      z.number().refine((days) => (LOG_RETENTION_DAYS as number[]).includes(days), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
    ),
    jwtIssuer: json(
      z.strictObject({
        issuerUrl: z.url({ protocol: /^https$/ }),
        audience: z.array(z.string().min(1)).min(1),
      })
    ),
    cognitoDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Cognito domain prefix'),
    apiThrottle: json(
      z.strictObject({
        rateLimit: z.number().positive().max(10_000),
        burstLimit: z.number().int().min(1).max(5_000),
      })
    ),
    statusConcurrency: integer(2, 1000),
    deliveryTimeoutSeconds: integer(30, 2_592_000),
    retainData: json(z.boolean()),
    hostRoleArns: json(
      z
        .array(
          z
            .string()
            .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be IAM role ARNs')
        )
        .max(50)
    ),
    watcher: z.enum(['install', 'remove']),
    idleEventChecksPerHost: integer(0, 1000),
    idleEventCheckWindowMinutes: integer(1, 60),
    ticketWebhook: json(
      z.strictObject({
        url: z.url({ protocol: /^https$/ }),
        secretName: z
          .string()
          .regex(
            /^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[\w/+=.@-]{1,512}$/,
            'must be a Secrets Manager secret name or ARN'
          ),
        secretField: z.string().min(1).optional(),
        headerName: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
          .optional(),
        ratePerSecond: z.number().int().min(1).max(300).optional(),
      })
    ),
    alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/),
  })
  .partial();

export type ContextSettings = z.infer<typeof settingsSchema>;

/** A context value the app cannot use; names the key and says why. Nothing is synthesized. */
export class ContextError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ContextError';
  }
}

/** Names of every setting the app reads from context (without the prefix). */
const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof ContextSettings)[];

/**
 * Reads the `session-janitor:*` context (cdk.json, `-c` on the command line) into typed settings.
 * Keys that are absent stay absent, so the stack's documented defaults apply.
 *
 * @throws {@link ContextError} naming the first bad key, or a key the app does not know.
 */
export function readContextSettings(node: Node): ContextSettings {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node.getAllContext())) {
    if (!key.startsWith(CONTEXT_PREFIX)) continue;
    const name = key.slice(CONTEXT_PREFIX.length);
    if (!(SETTING_NAMES as string[]).includes(name)) {
      throw new ContextError(
        `unknown context key ${key}; known: ${SETTING_NAMES.map((n) => CONTEXT_PREFIX + n).join(', ')}`
      );
    }
    raw[name] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContextError(
      `invalid context ${CONTEXT_PREFIX}${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error }
    );
  }
  return parsed.data;
}
