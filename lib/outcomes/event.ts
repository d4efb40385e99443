import { z } from 'zod';
import { type Action, OPERATIONS } from '../actions/model.js';
import { TERMINAL_STATUSES, type TerminalStatus } from '../actions/transitions.js';
import {
  ACTION_STATUS_DETAIL_TYPE,
  ACTION_STATUS_SOURCE,
  INSTANCE_ID_PATTERN,
} from '../contract.js';

const trigger = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('schedule'), sweepId: z.string() }),
  z.strictObject({ kind: z.literal('idle-event'), eventId: z.string() }),
  z.strictObject({
    kind: z.literal('api'),
    ticketId: z.string().describe('The ticket the request named: what a ticket system matches on.'),
    caller: z.string().describe('The API client that asked (its token identity).'),
    requestedBy: z.string().optional(),
  }),
]);

// The descriptions are what `events/action-status-change.schema.json` tells consumers.
export const actionStatusDetailSchema = z.strictObject({
  dedupeId: z
    .string()
    .describe(
      'actionId:status. Published at least once: a consumer drops an event whose dedupeId it has seen (the envelope id differs between deliveries).'
    ),
  actionId: z.string(),
  operation: z.enum(OPERATIONS),
  instanceId: z.string().regex(INSTANCE_ID_PATTERN),
  targetUser: z
    .string()
    .nullable()
    .describe('The user the action was about (session or shell owner, SMB user); null for a file.'),
  status: z.enum(TERMINAL_STATUSES as [TerminalStatus, ...TerminalStatus[]]),
  result: z
    .strictObject({
      exitCode: z.number().int().nullable(),
      errorCode: z.string().nullable(),
      excerpt: z.string(),
    })
    .nullable(),
  reason: z.string(),
  dryRun: z.boolean(),
  trigger,
  finishedAt: z.string().describe('When the action reached status (ISO 8601 UTC).'),
});

export type ActionStatusDetail = z.infer<typeof actionStatusDetailSchema>;

export const actionStatusEventSchema = z
  .object({
    version: z.literal('0'),
    id: z.string(),
    source: z.literal(ACTION_STATUS_SOURCE),
    'detail-type': z.literal(ACTION_STATUS_DETAIL_TYPE),
    account: z.string(),
    time: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail: actionStatusDetailSchema,
  })
  .describe(
    'Published by session-janitor when an action reaches a terminal status (succeeded, failed, skipped, cancelled); an API action carries trigger.ticketId.'
  );

function targetUser(action: Action): string | null {
  const t = action.target;
  if (t.kind === 'session') return t.expectedUser;
  if (t.kind === 'shell') return t.expectedOwner;
  if (t.kind === 'smb') return t.userName;
  return null;
}

/** The detail of a terminal action's event. */
export function actionStatusDetail(
  action: Action & { status: TerminalStatus }
): ActionStatusDetail {
  const t = action.trigger;
  return {
    dedupeId: `${action.id}:${action.status}`,
    actionId: action.id,
    operation: action.operation,
    instanceId: action.instanceId,
    targetUser: targetUser(action),
    status: action.status,
    result: action.result && {
      exitCode: action.result.exitCode,
      errorCode: action.result.errorCode,
      excerpt: action.result.excerpt,
    },
    reason: action.reason,
    dryRun: action.dryRun,
    trigger:
      t.kind === 'api'
        ? {
            kind: 'api',
            ticketId: t.ticketId,
            caller: t.caller,
            requestedBy: t.requestedBy,
          }
        : t,
    finishedAt: action.timestamps[action.status] ?? action.createdAt,
  };
}
