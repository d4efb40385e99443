import { z } from 'zod';

/**
 * The `Session Idle` custom event, as `events/session-idle.schema.json` describes it (a test keeps
 * the two in step). Anyone allowed to put events on the bus can send one, so every field is bounded
 * and shaped like what Windows can produce, and none decides an action: the event only makes
 * session-janitor ask the host (see `handle.ts`).
 */

export const SESSION_IDLE_SOURCE = 'session-janitor.host';
export const SESSION_IDLE_DETAIL_TYPE = 'Session Idle';

const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 date-time with Z or an offset'
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date-time');

const instanceId = z.string().regex(/^(?:i|mi)-[0-9a-f]{8,17}$/, 'must be an instance id');

const instanceArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:(?:ec2:[a-z0-9-]+:\d{12}:instance\/i-[0-9a-f]{8,17}|ssm:[a-z0-9-]+:\d{12}:managed-instance\/mi-[0-9a-f]{8,17})$/,
    'must be an EC2 instance or managed instance ARN'
  );

export const sessionIdleDetailSchema = z.strictObject({
  instanceId,
  sessionId: z.number().int().min(0).max(65_535),
  /** As quser prints it, without the domain. */
  userName: z
    .string()
    .regex(/^[\p{L}\p{N}._-][\p{L}\p{N}._ -]{0,63}$/u, 'must be a Windows account name'),
  /** NetBIOS domain, when the host knows it. */
  domain: z
    .string()
    .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]{0,14}$/u, 'must be a NetBIOS domain name')
    .optional(),
  state: z.enum(['active', 'disconnected']),
  idleMinutes: z.number().int().min(0).max(5_256_000),
  /** Host-local, no zone. */
  logonTime: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be YYYY-MM-DDTHH:MM')
    .nullable(),
  /** When the host measured `idleMinutes`, with the host's UTC offset. */
  observedAt: instant,
});

export const sessionIdleEventSchema = z
  .object({
    version: z.literal('0'),
    id: z
      .string()
      .regex(
        /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
        'must be a UUID'
      ),
    'detail-type': z.literal(SESSION_IDLE_DETAIL_TYPE),
    source: z.literal(SESSION_IDLE_SOURCE),
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
    time: instant,
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'must be a region'),
    resources: z.array(instanceArn).length(1),
    'replay-name': z.string().optional(),
    detail: sessionIdleDetailSchema,
  })
  .refine((event) => event.resources[0]?.endsWith(`/${event.detail.instanceId}`), {
    message: 'resources must name the instance of detail.instanceId',
    path: ['resources', 0],
  });

export type SessionIdleEvent = z.infer<typeof sessionIdleEventSchema>;
export type SessionIdleDetail = z.infer<typeof sessionIdleDetailSchema>;

/** The UTC offset written in an ISO 8601 instant (`Z` → 0), in minutes. */
export function offsetMinutesOf(instantText: string): number {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(instantText);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
