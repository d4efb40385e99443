import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../contract.js';
import type { Action, AffectedEntry, NewAction } from './model.js';
import { ACTION_STATUSES, OPERATIONS } from './model.js';

// Bounded, control-character-free text: the ledger stores what callers say, it never runs it.
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const instanceIdSchema = z
  .string()
  .regex(INSTANCE_ID_PATTERN, 'must be an EC2 (i-…) or managed (mi-…) instance id');

export const ticketIdSchema = text(128);
export const actionIdSchema = z
  .string()
  .regex(/^act_[a-z2-7]{26}$/, 'must be an action id (act_…)');
export const commandIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an SSM command id');

const isoInstant = z.iso.datetime();

export const actionTargetSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('session'),
    sessionId: z.number().int().min(0).max(65_535),
    expectedUser: text(256),
    /** As quser printed it, host-local (`YYYY-MM-DDTHH:MM`), when known. */
    logonTime: text(64).nullable().optional(),
    expectedState: z.enum(['active', 'disconnected']).nullable().optional(),
    minIdleMinutes: z.number().int().min(0).max(999_999).nullable().optional(),
    minDisconnectedMinutes: z.number().int().min(0).max(999_999).nullable().optional(),
  }),
  z.object({
    kind: z.literal('file'),
    fileId: z.string().regex(/^\d{1,20}$/, 'must be a decimal SMB file id'),
    expectedPath: text(1024),
  }),
  z
    .object({
      kind: z.literal('smb'),
      clientName: text(256).nullable(),
      userName: text(256).nullable(),
    })
    .refine((t) => t.clientName !== null || t.userName !== null, {
      message: 'an SMB target needs a client, a user, or both',
    }),
  z.object({
    kind: z.literal('shell'),
    shellId: z
      .string()
      .regex(
        /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/,
        'must be a shell id (a GUID)'
      ),
    expectedOwner: text(256),
    expectedState: z.enum(['Connected', 'Disconnected']).nullable().optional(),
    minInactiveMinutes: z.number().int().min(0).max(999_999).nullable().optional(),
  }),
]);

export const actionTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('schedule'), sweepId: text(128) }),
  z.object({ kind: z.literal('idle-event'), eventId: text(128) }),
  z.object({
    kind: z.literal('api'),
    ticketId: ticketIdSchema,
    caller: text(256),
    requestedBy: text(256).optional(),
    overrides: z
      .object({
        exclusion: text(256).optional(),
        console: z.literal(true).optional(),
        confirm: z.literal(true).optional(),
      })
      .optional(),
  }),
]);

export const newActionSchema = z.object({
  operation: z.enum(OPERATIONS),
  instanceId: instanceIdSchema,
  target: actionTargetSchema,
  trigger: actionTriggerSchema,
  reason: text(1000),
  policy: text(128).nullable(),
  message: text(1000).nullable().optional(),
  warnSeconds: z.number().int().min(1).max(86_400).nullable().optional(),
  dryRun: z.boolean(),
}) satisfies z.ZodType<NewAction>;

/** The ledger keeps this much of what a host printed; the rest stays in CloudWatch. */
export const EXCERPT_LIMIT = 500;

export const shellEndRecordSchema = z.object({
  outcome: z.enum(['ended', 'ended-ungraceful']),
  state: z.string().max(64).nullable(),
  childProcesses: z.number().int().min(0).nullable(),
  inactivitySeconds: z.number().min(0).nullable(),
});

export const actionResultSchema = z.object({
  exitCode: z.number().int().nullable(),
  errorCode: z.string().max(256).nullable(),
  excerpt: z.string().max(EXCERPT_LIMIT),
  shellEnd: shellEndRecordSchema.optional(),
});

export const affectedEntrySchema = z.object({
  userName: z.string().max(256),
  client: z.string().max(256).nullable(),
  smbSessionId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  fileId: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  path: z.string().max(32_767).optional(),
}) satisfies z.ZodType<AffectedEntry>;

/** A stored action, as the ledger reads it back: anything else is a corrupt item, not an Action. */
export const actionSchema = newActionSchema.extend({
  id: actionIdSchema,
  message: z.string().nullable(),
  warnSeconds: z.number().int().nullable(),
  status: z.enum(ACTION_STATUSES),
  commandId: z.string().nullable(),
  attempts: z.number().int().min(0),
  result: actionResultSchema.nullable(),
  createdAt: isoInstant,
  timestamps: z.partialRecord(z.enum(ACTION_STATUSES), isoInstant),
  deadline: isoInstant.nullable(),
  affected: z.array(affectedEntrySchema).optional(),
}) satisfies z.ZodType<Action>;
