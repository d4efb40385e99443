import type { SSMClient } from '@aws-sdk/client-ssm';
import { DispatchError, InvocationWaitTimeoutError } from '../ssm/errors.js';
import type { HostEnvelope, HostParameters } from '../ssm/host-contract.js';
import { describeHost, type HostDescription } from '../ssm/instances.js';
import { openFilesPageOf } from '../ssm/listing.js';
import { outcomeOf } from '../ssm/outcome.js';
import { type ListOperation, type ListOptions, listParameters } from '../ssm/parameters.js';
import { waitForInvocation } from '../ssm/read.js';
import { sendOperation } from '../ssm/send.js';
import type { OpenFile } from '../windows/types.js';
import type { ApiDeps } from './deps.js';
import { ApiError, forbidden, notFound } from './errors.js';

const DEFAULT_POLL_MS = 250;

/** `not-found` for an instance SSM does not know, `forbidden` for one without the managed tag. */
export async function requireManagedHost(
  deps: Pick<ApiDeps, 'ssm' | 'managedTag' | 'retry'>,
  instanceId: string
): Promise<HostDescription> {
  const host = await describeHost({ ssm: deps.ssm, retry: deps.retry }, instanceId, {
    tagKey: deps.managedTag.key,
    tagValue: deps.managedTag.value,
  });
  if (!host.found) throw notFound(`no managed instance ${instanceId}`);
  if (!host.managed || host.platformType !== 'Windows') {
    throw forbidden(
      `${instanceId} does not carry the tag ${deps.managedTag.key}=${deps.managedTag.value}`
    );
  }
  return host;
}

/** `host-offline` for a host whose agent is not connected: a live query could only time out. */
export function requireOnline(host: HostDescription, instanceId: string): void {
  if (host.pingStatus === 'Online') return;
  throw new ApiError(
    'host-offline',
    `${instanceId} is ${host.pingStatus ?? 'not connected'}: its agent cannot answer now`
  );
}

// Concurrent identical queries (a burst of retries, a dashboard refresh) share one command.
const inflight = new WeakMap<SSMClient, Map<string, Promise<HostEnvelope>>>();

/**
 * Runs a listing on one host and returns its envelope, within `hostQueryTimeoutMs` in all:
 * `host-timeout` when the host does not finish in time, `host-error` when the command
 * fails or SSM refuses it. Queries already running for the same host and operation are joined.
 */
export function queryHost(
  deps: ApiDeps,
  instanceId: string,
  operation: ListOperation,
  options: ListOptions = {}
): Promise<HostEnvelope> {
  let running = inflight.get(deps.ssm);
  if (!running) {
    running = new Map();
    inflight.set(deps.ssm, running);
  }
  const parameters = listParameters(operation, options);
  const key = JSON.stringify([instanceId, parameters]);
  const existing = running.get(key);
  if (existing) return existing;
  const query = runQuery(deps, instanceId, parameters).finally(() => running.delete(key));
  running.set(key, query);
  return query;
}

async function runQuery(
  deps: ApiDeps,
  instanceId: string,
  parameters: HostParameters
): Promise<HostEnvelope> {
  const operation = parameters.Operation;
  const started = Date.now();
  try {
    const { commandId } = await sendOperation(deps, {
      instanceIds: [instanceId],
      parameters,
      comment: 'sj:query',
    });
    const reading = await waitForInvocation(
      { ssm: deps.ssm, retry: deps.retry },
      {
        commandId,
        instanceId,
        timeoutMs: Math.max(1, deps.hostQueryTimeoutMs - (Date.now() - started)),
        pollMs: deps.hostQueryPollMs ?? DEFAULT_POLL_MS,
      }
    );
    const outcome = outcomeOf(reading, operation);
    if (outcome.status === 'succeeded' && reading.envelope !== null) return reading.envelope;
    const cause =
      outcome.status === 'pending' ? 'pending' : (outcome.result.errorCode ?? outcome.status);
    throw new ApiError('host-error', `${operation} failed on ${instanceId} (${cause})`, {
      extra: { commandId },
    });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof InvocationWaitTimeoutError) {
      throw new ApiError(
        'host-timeout',
        `${instanceId} did not answer within ${deps.hostQueryTimeoutMs} ms`,
        { extra: { commandId: error.commandId }, cause: error }
      );
    }
    if (error instanceof DispatchError) {
      throw new ApiError('host-error', `${operation} could not be run on ${instanceId}`, {
        extra: { reason: error.code },
        cause: error,
      });
    }
    throw error;
  }
}

/** Pages a `ListOpenFiles` by path reads at most: ~60 handles each, so ~1,200 of one file. */
const MAX_OPEN_FILE_PAGES = 20;

/** One page of a host's open files (from the start, or after `AfterFileId`), or `host-error`. */
export async function readOpenFilesPage(
  deps: ApiDeps,
  instanceId: string,
  options: ListOptions = {}
): Promise<{ rows: OpenFile[]; warnings: string[]; next: HostEnvelope['next'] }> {
  const page = openFilesPageOf(await queryHost(deps, instanceId, 'ListOpenFiles', options));
  if (page.kind === 'failed') {
    throw new ApiError('host-error', `${instanceId}: ${page.reason}`);
  }
  return page;
}

/**
 * Every file open at `path` (compared on the host, as a string), page after page. A listing
 * that cannot be read whole is a `host-error`, never "not open".
 */
export async function readOpenFilesAt(
  deps: ApiDeps,
  instanceId: string,
  path: string
): Promise<OpenFile[]> {
  const files: OpenFile[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < MAX_OPEN_FILE_PAGES; pages++) {
    const page = await readOpenFilesPage(deps, instanceId, {
      PathFilter: path,
      AfterFileId: after,
    });
    files.push(...page.rows);
    if (page.next === null) return files;
    after = page.next.afterFileId;
  }
  throw new ApiError(
    'host-error',
    `${instanceId} holds more than ${files.length} handles of ${path}: too many to close in one request`
  );
}
