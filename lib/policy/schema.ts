import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { duplicateKeyPath } from '../json/duplicate-keys.js';
import { assertValidParameterValue } from '../ssm/parameters.js';

/**
 * The idle policy document: one JSON object, validated once at start-up. Every threshold defaults
 * to `null` ("not configured"), as the Windows RDS session time limits do, so a fresh install acts
 * on nothing until an operator writes a policy.
 */

export const DEFAULT_GROUP = 'default';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Group names travel as tag values and inside the ListSessions Comment (≤ 100 chars). */
const groupName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'letters, digits, . _ - only, at most 40 characters');

/**
 * `user` or `DOMAIN\user`, `*` and `?` as wildcards; matched case-insensitively. Kept to the
 * characters Windows allows in account names so that a typo cannot become a catch-all.
 */
const userPattern = z
  .string()
  .regex(
    /^(?:[\p{L}\p{N}._$' *?-]{1,64}\\)?[\p{L}\p{N}._$@' *?-]{1,104}$/u,
    'expected "user" or "DOMAIN\\user" with optional * and ? wildcards'
  );

const minutes = z.number().int().min(1).max(525_600);

const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');

/**
 * What `msg` shows. The text reaches the host only as a Command document parameter (never as
 * script text), and must pass the document's `Message` pattern once `{minutes}` is filled in.
 */
const warnMessage = z
  .string()
  .min(1)
  .max(240)
  .superRefine((text, ctx) => {
    try {
      assertValidParameterValue('Message', text.replaceAll('{minutes}', '1440'));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${(error as Error).message} ({minutes} allowed)` });
    }
  });

const quietWindow = z
  .strictObject({
    /** Days on which the window starts; all days when absent. */
    days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    /** Host-local start, inclusive. */
    start: clock,
    /** Host-local end, exclusive; earlier than `start` means the window runs past midnight. */
    end: clock,
  })
  .refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] });

const warnSettings = z.strictObject({
  /** The warning goes out this many minutes before the logoff is due. */
  minutesBefore: z.number().int().min(1).max(1440),
  /** `{minutes}` is replaced by the minutes left before the logoff. */
  message: warnMessage,
});

/**
 * WinRM shells (PowerShell remoting, winrs): end those whose client has sent nothing for this
 * long. `null` for both thresholds plans nothing, as does no `shells` block at all.
 */
const shellSettings = z.strictObject({
  /** End Disconnected shells inactive at least this long (their commands may lose their work). */
  endDisconnectedAfterMinutes: minutes.nullable().default(null),
  /** End any shell, Connected or not, inactive at least this long. */
  endIdleAfterMinutes: minutes.nullable().default(null),
  exclude: z
    .strictObject({ owners: z.array(userPattern).max(200).default([]) })
    .default({ owners: [] }),
});

const groupFields = {
  /** Disconnect active sessions idle at least this long (MaxIdleTime). */
  disconnectIdleMinutes: minutes.nullable(),
  /** Log off active sessions idle at least this long ("End session when time limits are reached"). */
  logoffIdleMinutes: minutes.nullable(),
  /** Log off disconnected sessions idle at least this long (MaxDisconnectionTime). */
  logoffDisconnectedMinutes: minutes.nullable(),
  /** Warn active sessions before a logoff; log off only if still idle at the deadline. */
  warn: warnSettings.nullable(),
  exclude: z.strictObject({
    users: z.array(userPattern).max(200).default([]),
    /** Names of `userGroups` entries. */
    groups: z.array(groupName).max(50).default([]),
  }),
  /**
   * Blast radius: session actions sent to one host in one sweep, and apart from them its shell
   * ends (its two listings are planned apart; idle events: in 15 minutes).
   */
  maxActionsPerHost: z.number().int().min(0).max(1000),
  quietHours: z.array(quietWindow).max(20),
  /** Plan and record as `skipped`; send nothing. */
  dryRun: z.boolean(),
  /** Remote shells; `null`: the sweep does not even list them. */
  shells: shellSettings.nullable(),
};

const defaultGroupSchema = z.strictObject({
  disconnectIdleMinutes: groupFields.disconnectIdleMinutes.default(null),
  logoffIdleMinutes: groupFields.logoffIdleMinutes.default(null),
  logoffDisconnectedMinutes: groupFields.logoffDisconnectedMinutes.default(null),
  warn: groupFields.warn.default(null),
  exclude: groupFields.exclude.default({ users: [], groups: [] }),
  maxActionsPerHost: groupFields.maxActionsPerHost.default(5),
  quietHours: groupFields.quietHours.default([]),
  dryRun: groupFields.dryRun.default(false),
  shells: groupFields.shells.default(null),
});

/** A named group overrides the default group field by field; its exclusions add to the default's. */
const groupOverrideSchema = z.strictObject({
  disconnectIdleMinutes: groupFields.disconnectIdleMinutes.optional(),
  logoffIdleMinutes: groupFields.logoffIdleMinutes.optional(),
  logoffDisconnectedMinutes: groupFields.logoffDisconnectedMinutes.optional(),
  warn: groupFields.warn.optional(),
  exclude: groupFields.exclude.optional(),
  maxActionsPerHost: groupFields.maxActionsPerHost.optional(),
  quietHours: groupFields.quietHours.optional(),
  dryRun: groupFields.dryRun.optional(),
  shells: groupFields.shells.optional(),
});

export const policyDocumentSchema = z
  .strictObject({
    version: z.literal(1),
    fleet: z
      .strictObject({
        /** Blast radius: actions sent to the whole fleet in one sweep (idle events: in 15 minutes). */
        maxActionsPerSweep: z.number().int().min(0).max(100_000).default(50),
      })
      .default({ maxActionsPerSweep: 50 }),
    /** Named lists of user patterns, referenced from `exclude.groups`. */
    userGroups: z.record(groupName, z.array(userPattern).min(1).max(200)).default({}),
    default: defaultGroupSchema.default(defaultGroupSchema.parse({})),
    groups: z.record(groupName, groupOverrideSchema).default({}),
  })
  .superRefine((doc, ctx) => {
    if (DEFAULT_GROUP in doc.groups) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups', DEFAULT_GROUP],
        message: `"${DEFAULT_GROUP}" is the top-level "default" section, not a named group`,
      });
    }
    const check = (refs: string[] | undefined, path: (string | number)[]) => {
      for (const [i, ref] of (refs ?? []).entries()) {
        if (!(ref in doc.userGroups)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, i],
            message: `unknown user group "${ref}" (define it in userGroups)`,
          });
        }
      }
    };
    check(doc.default.exclude.groups, ['default', 'exclude', 'groups']);
    for (const [name, group] of Object.entries(doc.groups)) {
      check(group.exclude?.groups, ['groups', name, 'exclude', 'groups']);
    }
  });

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type GroupSettings = z.infer<typeof defaultGroupSchema>;
export type QuietWindow = GroupSettings['quietHours'][number];
export type WarnSettings = NonNullable<GroupSettings['warn']>;
export type ShellSettings = NonNullable<GroupSettings['shells']>;

/** A validated policy with every group resolved against the default group. */
export interface Policy {
  fleetMaxActionsPerSweep: number;
  /** Always contains {@link DEFAULT_GROUP}. */
  groups: Readonly<Record<string, ResolvedGroup>>;
}

export interface ResolvedGroup extends Omit<GroupSettings, 'exclude'> {
  name: string;
  /** `exclude.users` plus the patterns of every `exclude.groups` entry, as written. */
  excludedUsers: string[];
}

export class PolicyError extends Error {
  /** Dotted path of the offending field, e.g. `groups.rds.warn.minutesBefore`. */
  readonly field: string;
  /** Why, without the field: for callers that name the field their own way. */
  readonly reason: string;
  constructor(field: string, reason: string, options?: ErrorOptions) {
    super(`invalid policy: ${field || '(document)'}: ${reason}`, options);
    this.name = 'PolicyError';
    this.field = field;
    this.reason = reason;
  }
}

/**
 * Validates a policy document (JSON text or an already parsed value) and resolves its groups.
 * Throws {@link PolicyError} naming the first bad field and why.
 */
export function parsePolicy(input: string | unknown): Policy {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new PolicyError('', `not valid JSON (${(error as Error).message})`, { cause: error });
    }
    // JSON.parse keeps the last of repeated keys: a second `exclude` would drop the first's
    // exclusions without a word, so a file that says two things is refused, as API bodies are.
    const duplicate = duplicateKeyPath(input);
    if (duplicate !== null) {
      throw new PolicyError(
        duplicate.join('.'),
        `the key "${String(duplicate.at(-1))}" appears more than once in its object`
      );
    }
  }
  const parsed = policyDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyError(issue?.path.join('.') ?? '', issue?.message ?? 'invalid', {
      cause: parsed.error,
    });
  }
  return resolvePolicy(parsed.data);
}

/** The policy of a fresh install: no thresholds, so nothing is ever planned. */
export function builtInPolicy(): Policy {
  return resolvePolicy(policyDocumentSchema.parse({ version: 1 }));
}

/**
 * The policy from the `POLICY` environment value (Lambda), or the built-in one when it is unset.
 */
export function policyFromEnv(value: string | undefined): Policy {
  return value === undefined || value.trim() === '' ? builtInPolicy() : parsePolicy(value);
}

/** Reads and validates a policy file (the local runtime keeps its policy in a file). */
export async function readPolicyFile(path: string): Promise<Policy> {
  return parsePolicy(await readFile(path, 'utf8'));
}

function resolvePolicy(doc: PolicyDocument): Policy {
  const resolve = (name: string, settings: GroupSettings): ResolvedGroup => {
    const { exclude, ...rest } = settings;
    const excludedUsers = [
      ...exclude.users,
      ...exclude.groups.flatMap((ref) => doc.userGroups[ref] ?? []),
    ];
    return { name, ...rest, excludedUsers };
  };
  const groups: Record<string, ResolvedGroup> = {
    [DEFAULT_GROUP]: resolve(DEFAULT_GROUP, doc.default),
  };
  for (const [name, override] of Object.entries(doc.groups)) {
    const merged: GroupSettings = { ...doc.default };
    for (const [key, value] of Object.entries(override)) {
      if (value !== undefined) Object.assign(merged, { [key]: value });
    }
    // Exclusions add up: a group can protect more users than the default group, never fewer.
    merged.exclude = {
      users: [...doc.default.exclude.users, ...(override.exclude?.users ?? [])],
      groups: [...doc.default.exclude.groups, ...(override.exclude?.groups ?? [])],
    };
    if (override.shells && doc.default.shells) {
      merged.shells = {
        ...override.shells,
        exclude: {
          owners: [...doc.default.shells.exclude.owners, ...override.shells.exclude.owners],
        },
      };
    }
    groups[name] = resolve(name, merged);
  }
  return { fleetMaxActionsPerSweep: doc.fleet.maxActionsPerSweep, groups };
}

/** The group a host belongs to: its tag value when the policy names it, else the default group. */
export function resolveGroup(policy: Policy, tagValue: string | null | undefined): ResolvedGroup {
  const named = tagValue ? policy.groups[tagValue] : undefined;
  const fallback = policy.groups[DEFAULT_GROUP];
  if (!fallback) throw new PolicyError(DEFAULT_GROUP, 'the default group is missing');
  return named ?? fallback;
}

/** Named groups (besides the default group), in a stable order. */
export function namedGroups(policy: Policy): string[] {
  return Object.keys(policy.groups)
    .filter((name) => name !== DEFAULT_GROUP)
    .sort();
}
