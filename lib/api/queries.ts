import type { Action } from '../actions/model.js';
import { InvalidCursorError } from '../ledger/errors.js';
import type { Page } from '../ledger/ledger.js';
import { isConsole } from '../policy/plan.js';
import { namedGroups, resolveGroup } from '../policy/schema.js';
import { matchExclusion } from '../policy/users.js';
import type { HostEnvelope } from '../ssm/host-contract.js';
import { findHostGroup } from '../ssm/instances.js';
import { sessionListingOf, shellListingOf } from '../ssm/listing.js';
import type { ListOptions } from '../ssm/parameters.js';
import type { RemoteShell } from '../windows/shells.js';
import { parseSmbSessions } from '../windows/smb-json.js';
import type { OpenFile, QuserSession, SmbSession } from '../windows/types.js';
import type { ApiDeps } from './deps.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { queryHost, readOpenFilesPage, requireManagedHost, requireOnline } from './host-query.js';
import type { ListQuery } from './schemas.js';

/** `GET /v1/actions/{id}`: the action as recorded, or `not-found`. */
export async function getAction(deps: Pick<ApiDeps, 'ledger'>, id: string): Promise<Action> {
  const action = await deps.ledger.getAction(id);
  if (action === null) throw notFound(`no action ${id}`);
  return action;
}

/**
 * `GET /v1/actions?instanceId=…|ticketId=…|userName=…`: newest first, paged by an opaque cursor.
 * By user: every action that targeted that user or whose host reported closing something of theirs.
 */
export async function listActions(
  deps: Pick<ApiDeps, 'ledger'>,
  query: ListQuery
): Promise<Page<Action>> {
  const page = { limit: query.limit, cursor: query.cursor ?? null, order: 'desc' } as const;
  try {
    if (query.userName !== undefined) return await deps.ledger.listByUser(query.userName, page);
    return query.instanceId !== undefined
      ? await deps.ledger.listByHost(query.instanceId, page)
      : await deps.ledger.listByTicket(query.ticketId ?? '', page);
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw badRequest('invalid cursor', [
        { path: 'query.cursor', message: 'not a cursor this listing issued' },
      ]);
    }
    throw error;
  }
}

/** A managed, online host's listing, now; one the host could not make is a `host-error`. */
async function hostListing<Listing extends { kind: 'listed' }>(
  deps: ApiDeps,
  instanceId: string,
  operation: 'ListSessions' | 'ListShells',
  read: (envelope: HostEnvelope) => Listing | { kind: 'failed'; reason: string }
): Promise<{ envelope: HostEnvelope; listing: Listing }> {
  requireOnline(await requireManagedHost(deps, instanceId), instanceId);
  const envelope = await queryHost(deps, instanceId, operation);
  const listing = read(envelope);
  if (listing.kind === 'failed') {
    throw new ApiError('host-error', `${instanceId}: ${listing.reason}`);
  }
  return { envelope, listing };
}

export interface HostSessions {
  instanceId: string;
  culture: string;
  hostTimeUtc: string;
  sessions: QuserSession[];
  /** What the host's policy group says of these sessions: the console shows it as the future. */
  policy: HostSessionPolicy;
  warnings: string[];
}

/**
 * The host's policy group's thresholds, and per session what decides before them: the console,
 * an exclusion, and for a disconnected session the host's WTS disconnect time (which the sweep
 * counts from when it has no disconnect of its own on record).
 */
export interface HostSessionPolicy {
  group: string;
  disconnectIdleMinutes: number | null;
  logoffIdleMinutes: number | null;
  logoffDisconnectedMinutes: number | null;
  /** A logoff of an active session is announced this long before it (`warn.minutesBefore`). */
  warnMinutesBefore: number | null;
  dryRun: boolean;
  sessions: Array<{
    id: number;
    console: boolean;
    /** The exclusion pattern the user matches, or `null`. */
    excludedBy: string | null;
    /** ISO 8601 UTC, the host's WTS DisconnectTime; `null` when it has none. */
    disconnectedSince: string | null;
  }>;
}

/** `GET /v1/hosts/{instanceId}/sessions`: `quser` on the host, now, parsed in its culture. */
export async function listHostSessions(deps: ApiDeps, instanceId: string): Promise<HostSessions> {
  const { envelope, listing: parsed } = await hostListing(
    deps,
    instanceId,
    'ListSessions',
    sessionListingOf
  );
  const groupName = await findHostGroup(
    { ssm: deps.ssm, retry: deps.retry },
    instanceId,
    deps.groupTagKey,
    namedGroups(deps.policy)
  );
  const group = resolveGroup(deps.policy, groupName);
  return {
    instanceId,
    culture: envelope.culture,
    hostTimeUtc: envelope.hostTimeUtc,
    sessions: parsed.rows,
    policy: {
      group: group.name,
      disconnectIdleMinutes: group.disconnectIdleMinutes,
      logoffIdleMinutes: group.logoffIdleMinutes,
      logoffDisconnectedMinutes: group.logoffDisconnectedMinutes,
      warnMinutesBefore: group.warn?.minutesBefore ?? null,
      dryRun: group.dryRun,
      sessions: parsed.rows.map((row) => ({
        id: row.id,
        console: isConsole(row, parsed.consoleSessionId),
        excludedBy: matchExclusion({ userName: row.userName }, group.excludedUsers),
        disconnectedSince: parsed.disconnectTimes.get(row.id) ?? null,
      })),
    },
    warnings: parsed.warnings.filter((w) => w !== 'empty output'),
  };
}

export interface HostShells {
  instanceId: string;
  hostTimeUtc: string;
  shells: RemoteShell[];
  warnings: string[];
}

/** `GET /v1/hosts/{instanceId}/shells`: the host's WinRM shells, now. WinRM not answering is a `host-error`. */
export async function listHostShells(deps: ApiDeps, instanceId: string): Promise<HostShells> {
  const { envelope, listing } = await hostListing(deps, instanceId, 'ListShells', shellListingOf);
  return {
    instanceId,
    hostTimeUtc: envelope.hostTimeUtc,
    shells: listing.rows,
    warnings: listing.warnings,
  };
}

export interface HostOpenFiles {
  instanceId: string;
  /** One page, sorted by file id. */
  files: OpenFile[];
  /** More files come after this page: ask again with `after=next.afterFileId`. */
  next: HostEnvelope['next'];
  /** Only with `?include=smb-sessions`. */
  smbSessions?: SmbSession[];
  warnings: string[];
}

/**
 * `GET /v1/hosts/{instanceId}/open-files`: one page of `Get-SmbOpenFile` (by path, after a file
 * id), and `Get-SmbSession`, now. A page the host could not give whole is a `host-error`.
 */
export async function listHostOpenFiles(
  deps: ApiDeps,
  instanceId: string,
  options: { smbSessions: boolean } & ListOptions
): Promise<HostOpenFiles> {
  requireOnline(await requireManagedHost(deps, instanceId), instanceId);
  const { smbSessions, ...page } = options;
  const [files, sessions] = await Promise.all([
    readOpenFilesPage(deps, instanceId, page),
    smbSessions ? queryHost(deps, instanceId, 'ListSmbSessions') : null,
  ]);
  const parsedSessions = sessions === null ? null : parseSmbSessions(sessions.stdout);
  const error = parsedSessions?.error ?? null;
  if (error !== null) {
    throw new ApiError('host-error', `listing failed on ${instanceId}: ${error.message}`);
  }
  return {
    instanceId,
    files: files.rows,
    next: files.next,
    smbSessions: parsedSessions?.rows,
    warnings: [...files.warnings, ...(parsedSessions?.warnings ?? [])],
  };
}
