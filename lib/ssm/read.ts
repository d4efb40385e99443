import {
  type CommandInvocation,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { callSsm, callSsmPages, type TypedSsmError } from './call.js';
import {
  CommandNotFoundError,
  InvalidInstanceError,
  InvalidRequestError,
  InvocationNotFoundError,
  InvocationWaitTimeoutError,
} from './errors.js';
import { type HostEnvelope, hostEnvelopeSchema } from './host-contract.js';
import { assertInstanceId } from './instances.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

/** GetCommandInvocation `Status` values (aws-facts §3.1). */
export const INVOCATION_STATUSES = [
  'Pending',
  'InProgress',
  'Delayed',
  'Success',
  'Cancelled',
  'TimedOut',
  'Failed',
  'Cancelling',
] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

const TERMINAL_INVOCATION_STATUSES: ReadonlySet<string> = new Set([
  'Success',
  'Cancelled',
  'TimedOut',
  'Failed',
]);

/** Whether SSM will never change this invocation again. */
export function isTerminalInvocationStatus(status: string): boolean {
  return TERMINAL_INVOCATION_STATUSES.has(status);
}

/** One GetCommandInvocation, with the host's envelope parsed when there is output to parse. */
export interface InvocationReading {
  commandId: string;
  instanceId: string;
  /** SSM's `Status`, kept as a string so that a value this code does not know is not lost. */
  status: string;
  /** SSM's finer state, e.g. `Delivery Timed Out`, `Undeliverable`, `Terminated`. */
  statusDetails: string;
  /** The script's exit code; -1 when it never ran; `null` when SSM sent none. */
  responseCode: number | null;
  comment: string;
  /** The envelope the script printed, or `null` if there is none or it is unreadable. */
  envelope: HostEnvelope | null;
  /** Why a terminal invocation's stdout held no readable envelope; `null` otherwise. */
  envelopeError: string | null;
  rawStdout: string;
  rawStderr: string;
}

export interface ReadDeps {
  ssm: SSMClient;
  retry?: Partial<RetryPolicy>;
  /** Injectable clock (ms since epoch) and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReadRequest {
  commandId: string;
  instanceId: string;
  /**
   * How long `InvocationDoesNotExist` is taken for SSM's eventual consistency right after
   * SendCommand before it is believed.
   * @default 5000
   */
  missingRetryMs?: number;
}

export const DEFAULT_MISSING_RETRY_MS = 5_000;
const MISSING_POLL_FIRST_MS = 100;
const MISSING_POLL_MAX_MS = 1_000;

const COMMAND_ID = /^[0-9a-fA-F-]{36}$/;

export type EnvelopeParse =
  | { envelope: HostEnvelope; error: null }
  | { envelope: null; error: string };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Reads the envelope out of the script's stdout. The envelope is the last line; anything before
 * it (a warning PowerShell printed, a BOM) is tolerated, a truncated or altered envelope is not.
 */
export function parseEnvelope(stdout: string): EnvelopeParse {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return { envelope: null, error: 'empty output' };
  const lastLine = text.slice(text.lastIndexOf('\n') + 1).trim();
  const candidates = lastLine === text ? [text] : [text, lastLine];
  for (const candidate of candidates) {
    if (!candidate.startsWith('{')) continue;
    const json = parseJson(candidate);
    if (!json.ok) continue;
    const parsed = hostEnvelopeSchema.safeParse(json.value);
    if (parsed.success) return { envelope: parsed.data, error: null };
    const issue = parsed.error.issues[0];
    return {
      envelope: null,
      error: `envelope does not match the contract: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { envelope: null, error: 'output is not a JSON envelope' };
}

function assertValidIds(commandId: string, instanceId: string): void {
  if (!COMMAND_ID.test(commandId)) {
    throw new InvalidRequestError('commandId', `${JSON.stringify(commandId)} is not a command id`);
  }
  assertInstanceId('instanceId', instanceId);
}

/**
 * How SSM Agent joins and cuts the streams into ListCommandInvocations' plugin `Output` (2,500
 * characters in all; aws-facts §2): stdout, then this title and stderr when there is any.
 */
const ERROR_TITLE = '\n----------ERROR-------\n';
const CUT_MARKERS = ['\n---Output truncated---', '\n---Error truncated----'];

/**
 * Every invocation of one command, with ListCommandInvocations (`Details: true`, 50 a page): one
 * call for up to 50 hosts where GetCommandInvocation takes one each. A plugin `Output` holds only
 * 2,500 characters; an invocation whose output SSM cut, or that has no single plugin to read, is
 * left out, for {@link readInvocation} (24,000 characters) to read. Errors as for
 * {@link readInvocation}.
 */
export async function readCommandInvocations(
  deps: ReadDeps,
  commandId: string
): Promise<Map<string, InvocationReading>> {
  if (!COMMAND_ID.test(commandId)) {
    throw new InvalidRequestError('commandId', `${JSON.stringify(commandId)} is not a command id`);
  }
  const listed = await callSsmPages(
    'ListCommandInvocations',
    (nextToken) =>
      deps.ssm.send(
        new ListCommandInvocationsCommand({
          CommandId: commandId,
          Details: true,
          MaxResults: 50,
          NextToken: nextToken,
        })
      ),
    (output) => output.CommandInvocations,
    { retry: retryOf(deps), retryTransient: true, typed: readErrorOf(commandId) }
  );
  const readings = new Map<string, InvocationReading>();
  for (const invocation of listed) {
    const reading = readingOfListed(commandId, invocation);
    if (reading) readings.set(reading.instanceId, reading);
  }
  return readings;
}

/** The retry policy of a read, with the injected sleep (when given) in place of the real one. */
function retryOf(deps: ReadDeps): Partial<RetryPolicy> {
  return { ...deps.retry, ...(deps.sleep ? { sleep: deps.sleep } : {}) };
}

/** The typed errors of reading a command's invocations (on `instanceId`, for one of them). */
function readErrorOf(commandId: string, instanceId?: string): TypedSsmError {
  return (name, message, cause) => {
    if (name === 'InvalidCommandId') return new CommandNotFoundError(commandId, { cause });
    if (instanceId === undefined) return undefined;
    if (name === 'InvocationDoesNotExist') {
      return new InvocationNotFoundError(commandId, instanceId, { cause });
    }
    if (name === 'InvalidInstanceId') {
      return new InvalidInstanceError([instanceId], message || 'invalid instance', { cause });
    }
    return undefined;
  };
}

/** A listed invocation as a reading, or `null` when its plugin output is not whole. */
function readingOfListed(
  commandId: string,
  invocation: CommandInvocation
): InvocationReading | null {
  const plugins = invocation.CommandPlugins ?? [];
  const plugin = plugins[0];
  const instanceId = invocation.InstanceId;
  if (!instanceId || plugins.length !== 1 || plugin === undefined) return null;
  const output = plugin.Output ?? '';
  if (CUT_MARKERS.some((marker) => output.includes(marker))) return null;
  const split = output.indexOf(ERROR_TITLE);
  const rawStdout = split < 0 ? output : output.slice(0, split);
  const rawStderr = split < 0 ? '' : output.slice(split + ERROR_TITLE.length);
  const reading = readingOf(commandId, instanceId, invocation, {
    responseCode: plugin.ResponseCode,
    rawStdout,
    rawStderr,
  });
  // A script that succeeded printed its envelope; one that does not read may have been cut in a
  // way this code does not know: GetCommandInvocation has the whole output.
  return reading.status === 'Success' && reading.envelope === null ? null : reading;
}

/**
 * The reading of an invocation as either call reports it (a status SSM leaves out is `Pending`),
 * with its envelope once the invocation is terminal.
 */
function readingOf(
  commandId: string,
  instanceId: string,
  invocation: Pick<CommandInvocation, 'Status' | 'StatusDetails' | 'Comment'>,
  output: { responseCode: number | undefined; rawStdout: string; rawStderr: string }
): InvocationReading {
  const status = invocation.Status ?? 'Pending';
  const parsed = isTerminalInvocationStatus(status)
    ? parseEnvelope(output.rawStdout)
    : { envelope: null, error: null };
  return {
    commandId,
    instanceId,
    status,
    statusDetails: invocation.StatusDetails ?? status,
    responseCode: output.responseCode ?? null,
    comment: invocation.Comment ?? '',
    rawStdout: output.rawStdout,
    rawStderr: output.rawStderr,
    envelope: parsed.envelope,
    envelopeError: parsed.error,
  };
}

/** One GetCommandInvocation; `missing` for `InvocationDoesNotExist`, typed errors otherwise. */
async function getInvocation(
  deps: ReadDeps,
  commandId: string,
  instanceId: string
): Promise<InvocationReading | 'missing'> {
  let output: GetCommandInvocationCommandOutput;
  try {
    output = await callSsm(
      'GetCommandInvocation',
      () =>
        deps.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })
        ),
      { retry: retryOf(deps), retryTransient: true, typed: readErrorOf(commandId, instanceId) }
    );
  } catch (error) {
    if (error instanceof InvocationNotFoundError) return 'missing';
    throw error;
  }
  return readingOf(commandId, instanceId, output, {
    responseCode: output.ResponseCode,
    rawStdout: output.StandardOutputContent ?? '',
    rawStderr: output.StandardErrorContent ?? '',
  });
}

/**
 * Reads one invocation. `InvocationDoesNotExist` is retried for `missingRetryMs` (Run Command is
 * eventually consistent right after SendCommand), then becomes {@link InvocationNotFoundError}.
 * Throttling and 5xx are retried with backoff (reads are safe to repeat). Other failures:
 * `CommandNotFoundError`, `InvalidInstanceError`, `ThrottledError`, `SsmServiceError`,
 * `InvalidRequestError` for malformed ids.
 */
export async function readInvocation(
  deps: ReadDeps,
  request: ReadRequest
): Promise<InvocationReading> {
  const { commandId, instanceId } = request;
  assertValidIds(commandId, instanceId);
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? DEFAULT_RETRY_POLICY.sleep;
  const deadline = now() + Math.max(0, request.missingRetryMs ?? DEFAULT_MISSING_RETRY_MS);
  for (let wait = MISSING_POLL_FIRST_MS; ; wait = Math.min(wait * 2, MISSING_POLL_MAX_MS)) {
    const reading = await getInvocation(deps, commandId, instanceId);
    if (reading !== 'missing') return reading;
    const remaining = deadline - now();
    if (remaining <= 0) throw new InvocationNotFoundError(commandId, instanceId);
    await sleep(Math.min(wait, remaining));
  }
}

export interface WaitRequest {
  commandId: string;
  instanceId: string;
  /** Give up after this long; the API's live host queries must answer within their own timeout. */
  timeoutMs: number;
  /** Pause between two reads. */
  pollMs: number;
}

/**
 * Polls until the invocation is terminal and returns that reading. An invocation not yet visible
 * counts as pending. Throws {@link InvocationWaitTimeoutError} (with the last status seen) when
 * `timeoutMs` passes first, or the typed errors of {@link readInvocation}.
 */
export async function waitForInvocation(
  deps: ReadDeps,
  request: WaitRequest
): Promise<InvocationReading> {
  const { commandId, instanceId, timeoutMs } = request;
  assertValidIds(commandId, instanceId);
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? DEFAULT_RETRY_POLICY.sleep;
  const pollMs = Math.max(1, request.pollMs);
  const deadline = now() + timeoutMs;
  let lastStatus: string | null = null;
  for (;;) {
    const reading = await getInvocation(deps, commandId, instanceId);
    if (reading !== 'missing') {
      if (isTerminalInvocationStatus(reading.status)) return reading;
      lastStatus = reading.status;
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new InvocationWaitTimeoutError(commandId, instanceId, timeoutMs, lastStatus);
    }
    await sleep(Math.min(pollMs, remaining));
  }
}
