import { deriveActionId } from '../actions/ids.js';
import type {
  Action,
  ActionResult,
  ActionTarget,
  ActionTrigger,
  AffectedEntry,
  NewAction,
} from '../actions/model.js';
import { isTerminal } from '../actions/transitions.js';
import { completeAction } from '../dispatch/complete.js';
import { dispatchAction, dispatchDeadline, resumeAction } from '../dispatch/dispatch.js';
import {
  type FoundCommand,
  findCommandSentFor,
  recordFoundDispatch,
} from '../dispatch/unrecorded.js';
import { ActionConflictError, InvalidLedgerInputError } from '../ledger/errors.js';
import { isConsole } from '../policy/plan.js';
import { namedGroups, resolveGroup } from '../policy/schema.js';
import { matchExclusion } from '../policy/users.js';
import { DispatchError, InvalidHostParameterError } from '../ssm/errors.js';
import { findHostGroup } from '../ssm/instances.js';
import { sessionListingOf, shellListingOf } from '../ssm/listing.js';
import { toHostParameters } from '../ssm/parameters.js';
import { readSmbSessions } from '../windows/smb-json.js';
import type { Caller } from './auth.js';
import type { ApiDeps } from './deps.js';
import { ApiError, badRequest, notFound } from './errors.js';
import {
  queryHost,
  readOpenFilesAt,
  readOpenFilesPage,
  requireManagedHost,
  requireOnline,
} from './host-query.js';
import type { ActionRequest } from './schemas.js';

export interface RequestedAction {
  action: Action;
  /** This request recorded it (`false`: the same request had been made before). */
  created: boolean;
  /** Why SendCommand failed, when this request tried to send it and could not. */
  sendError: string | null;
}

export interface RequestActionResult {
  /** One per target; close-file by path can match several open files. */
  actions: RequestedAction[];
}

const DEFAULT_DISPATCH_GRACE_MS = 30_000;
/** How far back a ticket's history is read to recognise a repeated request. */
const TICKET_HISTORY_LIMIT = 500;

/** Document parameter → the request field it comes from, to name the field in a `bad-request`. */
const FIELD_OF_PARAMETER: Record<string, string> = {
  SessionId: 'body.sessionId',
  ExpectedUser: 'body.userName',
  UserName: 'body.userName',
  ClientName: 'body.clientName',
  FileId: 'body.fileId',
  ExpectedPath: 'body.path',
  Message: 'body.message',
  WarnSeconds: 'body.warnSeconds',
  ShellId: 'body.shellId',
  ExpectedOwner: 'body.owner',
};

/**
 * `POST /v1/actions`: checks the host (`not-found`, `forbidden` unmanaged, `host-offline` unless
 * the request was already recorded), resolves the target (from the request, from the ticket's
 * history for a repeated request, or live from the host), records the action idempotently and
 * sends it once.
 *
 * Sending exactly once: only the request that recorded an action sends it. A repeat finds it
 * `planned` while the first request is still sending, and answers with it as it is. An action
 * still `planned` after `dispatchGraceMs` was orphaned (its request died between recording and
 * sending, or between sending and recording the dispatch): a repeat asks SSM for its command and
 * records that one, or sends it if there is none; `markDispatched` is conditional, so only one
 * dispatch is ever recorded. SendCommand is not idempotent, so concurrent repeats of an orphan
 * first take a short lease on it (`resumeAction`): one of them looks and sends, the others answer
 * with the action as it is. Reconcile settles an orphan nobody repeats.
 *
 * A failed SendCommand ends the action (`undeliverable` when SSM refused the host, `failed`
 * when SSM holds no command for it), leaving it `planned` for reconcile only when SSM cannot say.
 */
export async function requestAction(
  deps: ApiDeps,
  request: ActionRequest,
  caller: Caller
): Promise<RequestActionResult> {
  const host = await requireManagedHost(deps, request.instanceId);
  const online = () => requireOnline(host, request.instanceId);
  const { targets, affected } = await resolveTargets(deps, request, online);
  const overrides = await checkOverrides(deps, request, targets);
  const planned = targets.map((target) => toNewAction(request, target, caller, overrides));
  for (const action of planned) checkParameters(action);
  // A command for an offline agent would wait for its delivery timeout and then act on whatever
  // the session has become: a help-desk action is done now or not at all. Only a request already
  // recorded is answered (with its action as it is), and nothing is sent for it.
  const offline = host.pingStatus !== 'Online';
  if (offline) await requireRecorded(deps, planned, online);
  else await requireConfirmation(deps, request, planned, affected);

  const dispatchGraceMs = deps.dispatchGraceMs ?? DEFAULT_DISPATCH_GRACE_MS;
  const results: RequestedAction[] = [];
  for (const newAction of planned) {
    let recorded: { action: Action; alreadyExisted: boolean };
    try {
      // The request that records an action sends it: it holds the resume lease for the grace.
      recorded = await deps.ledger.createAction(newAction, {
        resumeLeaseSeconds: Math.max(1, Math.ceil(dispatchGraceMs / 1000)),
      });
    } catch (error) {
      if (error instanceof ActionConflictError) {
        throw new ApiError(
          'conflict',
          'this ticket already holds a different request for the same operation and target',
          { extra: { actionId: error.existing.id }, cause: error }
        );
      }
      if (error instanceof InvalidLedgerInputError) {
        throw badRequest('the request cannot be recorded', [
          { path: 'body', message: error.issues.join('; ') },
        ]);
      }
      throw error;
    }
    const { action, alreadyExisted } = recorded;
    if (!alreadyExisted) deps.observer.planned(action, 'send');
    const orphaned =
      !offline &&
      alreadyExisted &&
      action.status === 'planned' &&
      deps.clock().getTime() - Date.parse(action.createdAt) >= dispatchGraceMs;
    if (!alreadyExisted || orphaned) {
      results.push({ ...(await send(deps, action, orphaned)), created: !alreadyExisted });
    } else {
      // The request that ended it may have failed on its put (a 5xx its caller repeats).
      if (isTerminal(action.status)) await deps.ledger.publishTerminal(action);
      results.push({ action, created: false, sendError: null });
    }
  }
  return { actions: results };
}

/**
 * One request, many people: ending SMB sessions by client alone ends every user's session from
 * that client (NetSessionDel semantics), and closing a file by path every user's handle. As
 * `NET SESSION /DELETE` asks first, a request that would cut off more than one user is
 * `confirmation-required` with the list, and nothing is recorded or sent, unless it says
 * `confirm: true`. A request already recorded is answered as it was (its host may have changed).
 */
async function requireConfirmation(
  deps: ApiDeps,
  request: ActionRequest,
  planned: readonly NewAction[],
  listed: AffectedEntry[] | null
): Promise<void> {
  if (request.operation !== 'end-smb-session' && request.operation !== 'close-file') return;
  if (request.confirm === true) return;
  if (request.operation === 'close-file' && listed === null) return;
  if (await isRecorded(deps, planned)) return;
  const affected =
    listed ?? (await smbSessionsMatching(deps, request.instanceId, planned[0]?.target));
  const users = [...new Map(affected.map((a) => [a.userName.toLowerCase(), a.userName])).values()];
  if (users.length <= 1) return;
  throw new ApiError(
    'confirmation-required',
    `this would cut off ${users.length} users (${users.join(', ')}): say confirm: true to act`,
    { extra: { users, affected } }
  );
}

/** The SMB sessions the host's CloseSmbSession would end for this target, as it matches them. */
async function smbSessionsMatching(
  deps: ApiDeps,
  instanceId: string,
  target: ActionTarget | undefined
): Promise<AffectedEntry[]> {
  if (target?.kind !== 'smb') return [];
  const listing = readSmbSessions((await queryHost(deps, instanceId, 'ListSmbSessions')).stdout);
  if ('kind' in listing || listing.error) {
    throw new ApiError('host-error', `${instanceId}: its SMB sessions cannot be read`);
  }
  const bare = (name: string) => name.replace(/^\[|\]$/g, '').toLowerCase();
  return listing.rows
    .filter(
      (s) =>
        (target.clientName === null || bare(s.client) === bare(target.clientName)) &&
        (target.userName === null || accountMatches(s.userName ?? '', target.userName))
    )
    .map((s) => ({
      userName: s.userName ?? '',
      client: s.client,
      smbSessionId: s.sessionId,
    }));
}

/** `user` matches that user in any domain, `DOMAIN\user` only in that domain (as the script). */
function accountMatches(account: string, expected: string): boolean {
  const lower = account.toLowerCase();
  const want = expected.toLowerCase();
  return want.includes('\\') ? lower === want : lower.slice(lower.indexOf('\\') + 1) === want;
}

async function isRecorded(deps: ApiDeps, planned: readonly NewAction[]): Promise<boolean> {
  for (const action of planned) {
    if ((await deps.ledger.getAction(deriveActionId(action))) === null) return false;
  }
  return planned.length > 0;
}

/** Refuses (`refuse`) unless every action of the request is already in the ledger. */
async function requireRecorded(
  deps: ApiDeps,
  planned: readonly NewAction[],
  refuse: () => void
): Promise<void> {
  for (const action of planned) {
    if ((await deps.ledger.getAction(deriveActionId(action))) === null) refuse();
  }
}

type Overrides = NonNullable<Extract<ActionTrigger, { kind: 'api' }>['overrides']>;

/**
 * The policy's exclusions bind tickets too: a logoff or disconnect of a user that matches an
 * exclusion of the host's policy group is refused (`excluded`) unless the request says
 * `override: "exclusion"` (the route has checked its scope); the pattern it overrode is recorded
 * with the action. The console is refused likewise without `console: true` (see `resolveTargets`).
 */
async function checkOverrides(
  deps: ApiDeps,
  request: ActionRequest,
  targets: readonly ActionTarget[]
): Promise<Overrides | null> {
  // Confirmed: the requester was told how many people it cuts off (see requireConfirmation).
  if (request.operation === 'end-smb-session' || request.operation === 'close-file') {
    return request.confirm === true ? { confirm: true } : null;
  }
  if (
    request.operation !== 'logoff' &&
    request.operation !== 'disconnect' &&
    request.operation !== 'end-shell'
  ) {
    return null;
  }
  const groupName = await findHostGroup(
    { ssm: deps.ssm, retry: deps.retry },
    request.instanceId,
    deps.groupTagKey,
    namedGroups(deps.policy)
  );
  const group = resolveGroup(deps.policy, groupName);
  const overrides: Overrides = 'console' in request && request.console ? { console: true } : {};
  for (const target of targets) {
    // A shell's owner is protected by the user exclusions and by the group's shells.exclude.owners.
    const [user, patterns] =
      target.kind === 'session'
        ? [target.expectedUser, group.excludedUsers]
        : target.kind === 'shell'
          ? [
              target.expectedOwner,
              [...group.excludedUsers, ...(group.shells?.exclude.owners ?? [])],
            ]
          : [null, []];
    if (user === null) continue;
    const pattern = matchExclusion({ userName: user }, patterns);
    if (pattern === null) continue;
    if (request.override !== 'exclusion') {
      throw new ApiError(
        'excluded',
        `${user} matches the exclusion '${pattern}' of policy '${group.name}'; ` +
          'say override: "exclusion" (scope session-janitor/override) to act anyway'
      );
    }
    overrides.exclusion = pattern;
  }
  return Object.keys(overrides).length > 0 ? overrides : null;
}

function toNewAction(
  request: ActionRequest,
  target: ActionTarget,
  caller: Caller,
  overrides: Overrides | null
): NewAction {
  return {
    operation: request.operation,
    instanceId: request.instanceId,
    target,
    trigger: {
      kind: 'api',
      ticketId: request.ticketId,
      caller: caller.id,
      requestedBy: request.requestedBy,
      overrides: overrides ?? undefined,
    },
    reason: request.reason,
    policy: null,
    dryRun: false,
    ...(request.operation === 'notify'
      ? { message: request.message, warnSeconds: request.warnSeconds }
      : {}),
  };
}

/** A value read from the host can still be one the document refuses (a path with `%`). */
function checkParameters(action: NewAction): void {
  try {
    toHostParameters(action);
  } catch (error) {
    if (!(error instanceof InvalidHostParameterError)) throw error;
    throw badRequest('the target cannot be acted on through the Command document', [
      { path: FIELD_OF_PARAMETER[error.parameter] ?? 'body', message: error.message },
    ]);
  }
}

interface Resolved {
  targets: ActionTarget[];
  /** Whom acting would cut off, as the host listed it just now; `null`: not read here. */
  affected: AffectedEntry[] | null;
}

async function resolveTargets(
  deps: ApiDeps,
  request: ActionRequest,
  online: () => void
): Promise<Resolved> {
  switch (request.operation) {
    case 'logoff':
    case 'disconnect':
    case 'notify': {
      const { sessionId, userName } = request;
      if (userName !== undefined) {
        return {
          targets: [{ kind: 'session', sessionId, expectedUser: userName }],
          affected: null,
        };
      }
      const earlier = await fromTicket(
        deps,
        request,
        (t) => t.kind === 'session' && t.sessionId === sessionId
      );
      if (earlier.length > 0) return { targets: earlier.slice(0, 1), affected: null };
      online();
      const envelope = await queryHost(deps, request.instanceId, 'ListSessions');
      const listing = sessionListingOf(envelope);
      if (listing.kind === 'failed') {
        throw new ApiError('host-error', `${request.instanceId}: ${listing.reason}`);
      }
      const session = listing.rows.find((row) => row.id === sessionId);
      if (!session) throw notFound(`${request.instanceId} has no user session ${sessionId}`);
      const consoleAllowed = request.operation === 'notify' || request.console === true;
      if (isConsole(session, listing.consoleSessionId) && !consoleAllowed) {
        throw new ApiError(
          'console-session',
          `session ${sessionId} of ${request.instanceId} is the console: say console: true to act on it`
        );
      }
      return {
        targets: [{ kind: 'session', sessionId, expectedUser: session.userName }],
        affected: null,
      };
    }
    case 'close-file': {
      const { fileId, path } = request;
      if (fileId !== undefined && path !== undefined) {
        return { targets: [{ kind: 'file', fileId, expectedPath: path }], affected: null };
      }
      const wanted = path?.toLowerCase();
      const matches = (id: string, filePath: string) =>
        fileId !== undefined ? id === fileId : filePath.toLowerCase() === wanted;
      const earlier = await fromTicket(
        deps,
        request,
        (t) => t.kind === 'file' && matches(t.fileId, t.expectedPath)
      );
      if (earlier.length > 0) return { targets: earlier, affected: null };
      online();
      // By path: matched on the host, every page. By id: the page that starts at it.
      const files = (
        path !== undefined
          ? await readOpenFilesAt(deps, request.instanceId, path)
          : (await readOpenFilesPage(deps, request.instanceId, pageFrom(fileId ?? '0'))).rows
      ).filter((f) => matches(f.id, f.path));
      if (files.length === 0) {
        throw notFound(
          fileId !== undefined
            ? `${request.instanceId} has no open file ${fileId}`
            : `${request.instanceId} has no open file at ${path}`
        );
      }
      return {
        targets: files.map((f) => ({ kind: 'file', fileId: f.id, expectedPath: f.path })),
        affected: files.map((f) => ({
          userName: f.userName ?? '',
          client: f.client ?? null,
          fileId: f.id,
          path: f.path,
        })),
      };
    }
    case 'end-smb-session':
      return {
        targets: [
          {
            kind: 'smb',
            clientName: request.clientName ?? null,
            userName: request.userName ?? null,
          },
        ],
        affected: null,
      };
    case 'end-shell': {
      const { shellId, owner } = request;
      if (owner !== undefined) {
        return { targets: [{ kind: 'shell', shellId, expectedOwner: owner }], affected: null };
      }
      const earlier = await fromTicket(
        deps,
        request,
        (t) => t.kind === 'shell' && t.shellId.toUpperCase() === shellId
      );
      if (earlier.length > 0) return { targets: earlier.slice(0, 1), affected: null };
      online();
      const listing = shellListingOf(await queryHost(deps, request.instanceId, 'ListShells'));
      if (listing.kind === 'failed') {
        throw new ApiError('host-error', `${request.instanceId}: ${listing.reason}`);
      }
      const shell = listing.rows.find((row) => row.shellId.toUpperCase() === shellId);
      if (!shell) throw notFound(`${request.instanceId} has no shell ${shellId}`);
      // The owner becomes what the host checks: a shell that shows none is never ended blind.
      if (shell.owner === null) {
        throw new ApiError('host-error', `${request.instanceId}: shell ${shellId} shows no owner`);
      }
      return {
        targets: [{ kind: 'shell', shellId: shell.shellId, expectedOwner: shell.owner }],
        affected: null,
      };
    }
  }
}

/** The page of a listing whose first file is `fileId`, if it is open. */
function pageFrom(fileId: string): { AfterFileId?: string } {
  const id = BigInt(fileId);
  return id === 0n ? {} : { AfterFileId: String(id - 1n) };
}

/**
 * Targets this ticket already acted on for the same operation and host: a repeated request whose
 * target was read from the host finds its action again even though the host has changed since
 * (the session is logged off, the file closed).
 */
async function fromTicket(
  deps: ApiDeps,
  request: ActionRequest,
  same: (target: ActionTarget) => boolean
): Promise<ActionTarget[]> {
  const targets: ActionTarget[] = [];
  let cursor: string | null = null;
  let read = 0;
  do {
    const page = await deps.ledger.listByTicket(request.ticketId, { limit: 100, cursor });
    for (const action of page.items) {
      if (
        action.operation === request.operation &&
        action.instanceId === request.instanceId &&
        same(action.target)
      ) {
        targets.push(action.target);
      }
    }
    read += page.items.length;
    cursor = page.cursor;
  } while (cursor !== null && read < TICKET_HISTORY_LIMIT);
  return targets;
}

/**
 * Sends through the same path as every other trigger (`lib/dispatch/dispatch.ts`). An orphaned action
 * is resumed: SSM is asked first whether its command already went out, so a request that died
 * after SendCommand is never sent twice. An API caller is waiting for an answer, so a send that
 * failed for now ends the action too (as `failed`) rather than leaving it for a retry nobody
 * would make, once SSM shows it holds no command for it.
 */
async function send(
  deps: ApiDeps,
  action: Action,
  orphaned: boolean
): Promise<Omit<RequestedAction, 'created'>> {
  const attempt = orphaned ? await resumeAction(deps, action) : await dispatchAction(deps, action);
  if (attempt.failure === null) return { action: attempt.action, sendError: null };
  const done = attempt.retry
    ? await settleFailedSend(deps, attempt.action, attempt.failure)
    : attempt.action;
  // Sent after all (its own status event may even have finished it meanwhile).
  if (done.commandId !== null) return { action: done, sendError: null };
  return { action: done, sendError: attempt.failure.errorCode ?? done.status };
}

/**
 * A 5xx or a lost answer can come after SSM accepted the command: recorded as `failed`, the
 * action would be terminal while the host acts, and its own status event could no longer
 * complete it. So SSM is asked first; when it cannot say, the action stays `planned` and
 * reconcile settles it after its planned deadline.
 */
async function settleFailedSend(
  deps: ApiDeps,
  action: Action,
  failure: ActionResult
): Promise<Action> {
  let found: FoundCommand | null;
  try {
    found = await findCommandSentFor(deps, action);
  } catch (error) {
    if (!(error instanceof DispatchError)) throw error;
    return action;
  }
  if (found === null) return completeAction(deps, action, 'failed', failure);
  return recordFoundDispatch(deps, action, {
    commandId: found.commandId,
    sentAt: found.requestedAt,
    deadline: dispatchDeadline(deps, found.requestedAt ?? deps.clock()),
    by: 'send whose answer was lost',
  });
}
