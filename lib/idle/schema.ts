import { z } from 'zod';
import { INSTANCE_ID_PATTERN, SESSION_IDLE_DETAIL_TYPE, SESSION_IDLE_SOURCE } from '../contract.js';

/**
 * The `Session Idle` custom event; `events/session-idle.schema.json` is generated from it. Anyone allowed to put events on the bus can send one, so every field is bounded
 * and shaped like what Windows can produce, and none decides an action: the event only makes
 * session-janitor ask the host (see `handle.ts`).
 */

const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 date-time with Z or an offset'
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date-time');

const instanceId = z.string().regex(INSTANCE_ID_PATTERN, 'must be an instance id');

// The id in the ARN follows the one instance-id rule; the lookaheads keep EC2 ARNs to `i-` ids
// and managed-instance ARNs to `mi-` ids.
const instanceArn = z
  .string()
  .regex(
    new RegExp(
      String.raw`^arn:aws[a-z-]*:(?:ec2:[a-z0-9-]+:\d{12}:instance\/(?=i-)|ssm:[a-z0-9-]+:\d{12}:managed-instance\/(?=mi-))` +
        INSTANCE_ID_PATTERN.source.slice(1)
    ),
    'must be an EC2 instance or managed instance ARN'
  );

const windowsRecordId = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .describe(
    'EventRecordID of the record in its log: one record, one event (a consumer may drop repeats).'
  );

// The descriptions are what `events/session-idle.schema.json` says to those who produce events:
// `npm run schemas` writes the file from these schemas.
export const sessionIdleDetailSchema = z.strictObject({
  instanceId,
  sessionId: z.number().int().min(0).max(65_535),
  userName: z
    .string()
    .regex(/^[\p{L}\p{N}._-][\p{L}\p{N}._ -]{0,63}$/u, 'must be a Windows account name')
    .describe(
      'The account name as quser prints it, without the domain. Nothing is done unless the host still reports this user on sessionId (compared case-insensitively).'
    ),
  domain: z
    .string()
    .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]{0,14}$/u, 'must be a NetBIOS domain name')
    .describe('NetBIOS domain of the account, when the host knows it.')
    .optional(),
  state: z
    .enum(['active', 'disconnected'])
    .describe("Hint only: the host's own quser output decides."),
  idleMinutes: z
    .number()
    .int()
    .min(0)
    .max(5_256_000)
    .describe('Hint only: the idle time the host reports when asked decides.'),
  logonTime: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be YYYY-MM-DDTHH:MM')
    .nullable()
    .describe('Host-local logon time, no zone; null when unknown. Informational.'),
  windowsEvent: z
    .discriminatedUnion('eventId', [
      z.strictObject({
        eventId: z.literal(24).describe('Session has been disconnected.'),
        recordId: windowsRecordId,
      }),
      z.strictObject({
        eventId: z
          .literal(40)
          .describe('Session <sessionId> has been disconnected, reason code <reasonCode>.'),
        recordId: windowsRecordId,
        reasonCode: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .describe(
            'ExtendedDisconnectReasonCode: 3 = idle time-out (MaxIdleTime), 4 = active-session limit, 5 = replaced by another connection, 11 = disconnected by the user or an admin tool, 12 = user logoff.'
          ),
      }),
    ])
    .describe(
      'The Microsoft-Windows-TerminalServices-LocalSessionManager/Operational record the event was built from, when a watcher built it (absent in events from other producers). Hint only, like state.'
    )
    .optional(),
  observedAt: instant.describe(
    "When the host measured idleMinutes, with the host's UTC offset (or Z). An event observed more than 15 minutes ago (or over 5 minutes in the future) is ignored."
  ),
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
    resources: z
      .array(instanceArn)
      .length(1)
      .describe(
        'The ARN of the instance the session runs on (EC2 instance or hybrid managed instance).'
      ),
    'replay-name': z.string().optional(),
    detail: sessionIdleDetailSchema,
  })
  .refine((event) => event.resources[0]?.endsWith(`/${event.detail.instanceId}`), {
    message: 'resources must name the instance of detail.instanceId',
    path: ['resources', 0],
  })
  .meta({
    title: 'Session Idle',
    description:
      "EventBridge custom event a Windows host (scheduled task, agent or alarm) puts on the bus when an RDP session has been idle. It is a hint, never trusted data: anyone allowed to put events on the bus can send one, and it may be minutes old. A valid event about a managed host only makes session-janitor ask that host for its sessions (ListSessions); the action, if any, is planned from the host's own fresh quser output for the named session, only while that session still belongs to the named user, under the host's policy group. state and idleMinutes never decide anything. resources[0] must be the ARN of detail.instanceId.",
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
