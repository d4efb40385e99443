import { z } from 'zod';
import { OPERATIONS, type Operation } from '../actions/model.js';
import { actionIdSchema, instanceIdSchema } from '../actions/schema.js';
import type { HostParameter } from '../ssm/host-contract.js';
import { assertValidParameterValue } from '../ssm/parameters.js';
import { badRequest, type FieldIssue } from './errors.js';

/**
 * What the API accepts, checked before anything is looked up, recorded or sent. Every value that
 * becomes a document parameter is checked against the document's own `allowedPattern` (the
 * dispatcher's rules), so SSM never sees a value it would refuse, and the refusal names the field.
 * Ticket ids and reasons never reach a host, but they show up in consoles and logs: they get a
 * plain character set too.
 */

/** A document parameter's rule, as a zod check on the request field that feeds it. */
function hostValue(parameter: HostParameter) {
  return z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      try {
        assertValidParameterValue(parameter, value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    });
}

export const apiTicketIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/,
    'must be 1–128 letters, digits and . _ : # / - (starting with a letter or digit)'
  );

const reasonSchema = z
  .string()
  .max(500)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} .,!?:()/@#+=_~-]*$/u,
    'must be up to 500 characters of letters, digits, spaces and . , ! ? : ( ) / @ # + = _ ~ -'
  );

/**
 * The person behind a ticket system's call (its token names only the system): an account,
 * `DOMAIN\user` or an e-mail address, or a name as the ticket shows it (O'Brien).
 */
export const requestedBySchema = z
  .string()
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} .'@_\\-]{0,127}$/u,
    "must be 1–128 letters, digits, spaces and . ' @ _ \\ - (starting with a letter or digit)"
  );

const common = {
  instanceId: instanceIdSchema,
  ticketId: apiTicketIdSchema,
  reason: reasonSchema,
  requestedBy: requestedBySchema.optional(),
};

const sessionId = z.number().int().min(0).max(65_535);

const sessionRequest = <T extends 'logoff' | 'disconnect'>(operation: T) =>
  z.strictObject({
    operation: z.literal(operation),
    ...common,
    sessionId,
    /** The session's user as the caller knows it; absent: read from the host before acting. */
    userName: hostValue('ExpectedUser').optional(),
    /** Act although the user matches an exclusion of the host's policy (its own scope). */
    override: z.literal('exclusion').optional(),
    /** Act although it is the console session. */
    console: z.literal(true).optional(),
  });

/** Seconds a notification stays up when the caller gives none. */
export const DEFAULT_WARN_SECONDS = 60;

const BODY_SCHEMAS = {
  logoff: sessionRequest('logoff'),
  disconnect: sessionRequest('disconnect'),
  notify: z.strictObject({
    operation: z.literal('notify'),
    ...common,
    sessionId,
    userName: hostValue('ExpectedUser').optional(),
    message: hostValue('Message'),
    warnSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_WARN_SECONDS),
  }),
  'close-file': z
    .strictObject({
      operation: z.literal('close-file'),
      ...common,
      fileId: hostValue('FileId').optional(),
      path: hostValue('ExpectedPath').optional(),
      /** Close it although other users hold the same file open too (see requestAction). */
      confirm: z.boolean().optional(),
    })
    .refine((body) => body.fileId !== undefined || body.path !== undefined, {
      message: 'close-file needs fileId or path',
      path: ['fileId'],
    }),
  'end-smb-session': z
    .strictObject({
      operation: z.literal('end-smb-session'),
      ...common,
      // `\\PC01` is how `net session` spells a client; the document wants the bare name.
      clientName: z
        .string()
        .transform((name) => name.replace(/^\\\\/, ''))
        .pipe(hostValue('ClientName'))
        .optional(),
      userName: hostValue('UserName').optional(),
      /** End them although they are more than one user's (a client alone: every user's). */
      confirm: z.boolean().optional(),
    })
    .superRefine((body, ctx) => {
      if (body.clientName !== undefined || body.userName !== undefined) return;
      ctx.addIssue({
        code: 'custom',
        path: ['clientName'],
        message: body.confirm
          ? 'ending every SMB session of a host is not supported, even with confirm: the ' +
            'host script refuses it; give clientName, userName or both'
          : 'end-smb-session needs clientName, userName or both',
      });
    }),
  'end-shell': z.strictObject({
    operation: z.literal('end-shell'),
    ...common,
    // Upper case, as WinRM spells it: one shell is one target however the caller wrote its id.
    shellId: hostValue('ShellId').transform((id) => id.toUpperCase()),
    /** The shell's owner as the caller knows it; absent: read from the host before acting. */
    owner: hostValue('ExpectedOwner').optional(),
    /** Act although the owner matches an exclusion of the host's policy (its own scope). */
    override: z.literal('exclusion').optional(),
  }),
} as const satisfies Record<Operation, z.ZodType>;

export type ActionRequest = {
  [K in Operation]: z.output<(typeof BODY_SCHEMAS)[K]>;
}[Operation];

/** `body.x`-style field issues from a zod error. */
export function fieldIssues(error: z.ZodError, prefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const at = [prefix, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: `${at}.${key}`, message: 'unknown field' });
    } else {
      issues.push({ path: at, message: issue.message });
    }
  }
  return issues;
}

/** The operation a body asks for, read first so the caller's scope can be checked before the rest. */
export function operationOf(body: unknown): Operation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object', [
      { path: 'body', message: 'must be a JSON object' },
    ]);
  }
  const operation = (body as Record<string, unknown>).operation;
  if (!(OPERATIONS as readonly unknown[]).includes(operation)) {
    throw badRequest('unknown operation', [
      { path: 'body.operation', message: `must be one of ${OPERATIONS.join(', ')}` },
    ]);
  }
  return operation as Operation;
}

/** Validates a whole action request; throws a `bad-request` `ApiError` listing every bad field. */
export function parseActionRequest(body: unknown): ActionRequest {
  const operation = operationOf(body);
  const parsed = BODY_SCHEMAS[operation].safeParse(body);
  if (!parsed.success) {
    throw badRequest('the request is not valid', fieldIssues(parsed.error, 'body'));
  }
  return parsed.data;
}

const cursorSchema = z.string().min(1).max(4096);

export const listQuerySchema = z
  .strictObject({
    instanceId: instanceIdSchema.optional(),
    ticketId: apiTicketIdSchema.optional(),
    /** Actions that targeted this user or cut them off (a bare name: in any domain). */
    userName: hostValue('UserName').optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: cursorSchema.optional(),
  })
  .refine(
    (q) => [q.instanceId, q.ticketId, q.userName].filter((v) => v !== undefined).length === 1,
    { message: 'give exactly one of instanceId, ticketId and userName', path: ['instanceId'] }
  );
export type ListQuery = z.output<typeof listQuerySchema>;

export const openFilesQuerySchema = z.strictObject({
  /** `smb-sessions`: also list the SMB sessions (a second host command). */
  include: z.literal('smb-sessions').optional(),
  /** Only the files open at this path (compared on the host as a string, case-insensitive). */
  path: hostValue('PathFilter').optional(),
  /** The page after this file id: the previous answer's `next.afterFileId`. */
  after: hostValue('AfterFileId').optional(),
});

/** `GET /v1/hosts`: SSM pages DescribeInstanceInformation by 5 to 50. */
export const hostsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(5).max(50).default(25),
  cursor: cursorSchema.optional(),
});

/** `GET /v1/sweeps`: each sweep's actions are summed, so pages stay short. */
export const sweepsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  cursor: cursorSchema.optional(),
});

/** A sweep's id as the sweep derives it from its scheduled time. */
export const sweepIdParamSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^sw-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
      'must be a sweep id (sw-YYYY-MM-DDTHH:MM:SSZ)'
    ),
});

export const actionIdParamSchema = z.strictObject({ id: actionIdSchema });
export const hostParamSchema = z.strictObject({ instanceId: instanceIdSchema });

/** Parses `value` with `schema`, or throws a `bad-request` naming the fields under `prefix`. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: 'query' | 'path'
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw badRequest(`invalid ${prefix} parameters`, fieldIssues(parsed.error, prefix));
  }
  return parsed.data;
}
