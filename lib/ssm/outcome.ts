import type { ActionResult, ActionStatus, Operation, ShellEndRecord } from '../actions/model.js';
import { durationSeconds } from '../windows/shells.js';
import { DispatchError, errorNameOf } from './errors.js';
import {
  EXIT,
  GUARD_EXIT,
  type GuardCode,
  type HostEnvelope,
  type HostOperation,
} from './host-contract.js';
import { HOST_OPERATION_OF, isListOperation } from './parameters.js';
import type { InvocationReading } from './read.js';

/**
 * The status table: what an invocation reading means for the action that sent it. The rule that
 * shapes it: only a readable envelope of the right operation with exit code 0 on an invocation SSM
 * calls `Success` is a success. Anything that could not be confirmed is a failure, and anything
 * where the host provably did nothing (never delivered, guard refused) says so.
 */

export type TerminalActionStatus = Exclude<ActionStatus, 'planned' | 'dispatched'>;

export type Outcome =
  | { status: 'pending' }
  | { status: TerminalActionStatus; result: ActionResult };

export const EXCERPT_LIMIT = 300;

/** `Delivery Timed Out` and `DeliveryTimedOut` both appear (StatusDetails vs filter values). */
function normalizeDetails(details: string): string {
  return details.replace(/\s+/g, '');
}

function excerptOf(...texts: readonly string[]): string {
  const text = texts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' | ');
  return text.length > EXCERPT_LIMIT ? `${text.slice(0, EXCERPT_LIMIT - 1)}…` : text;
}

/**
 * A Windows error number from tool output: `Error [5]:Access is denied.` (TS tools),
 * `Error code 5`, `System error 5 has occurred.` (net.exe), `NET HELPMSG 2314` (NERR),
 * `Error 1722 getting session names` (msg).
 */
export function win32ErrorOf(text: string): number | null {
  const patterns = [
    /Error \[(\d+)\]/,
    /System error (\d+) has occurred/,
    /NET HELPMSG (\d+)/,
    /Error code (\d+)/,
    /Error (\d+) getting session names/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return null;
}

/** Operations whose success the host confirms by reading the session (or shell) back. */
const READS_BACK: ReadonlySet<HostOperation> = new Set([
  'DisconnectSession',
  'LogoffSession',
  'EndShell',
]);
const NOT_CONFIRMED = 'host:not-confirmed';

const GUARD_OF_EXIT: ReadonlyMap<number, GuardCode> = new Map(
  Object.entries(GUARD_EXIT).map(([code, exit]) => [exit, code as GuardCode])
);

function toHostOperation(operation: Operation | HostOperation): HostOperation {
  return Object.hasOwn(HOST_OPERATION_OF, operation)
    ? HOST_OPERATION_OF[operation as Operation]
    : (operation as HostOperation);
}

function result(exitCode: number | null, errorCode: string | null, excerpt: string): ActionResult {
  return { exitCode, errorCode, excerpt };
}

/** The host's guard refused: nothing was done. */
function guardRefused(exitCode: number, guard: NonNullable<HostEnvelope['guard']>): Outcome {
  return {
    status: 'skipped',
    result: result(exitCode, `guard:${guard.code}`, excerptOf(guard.message)),
  };
}

/** `Failed`: the script ran (or SSM says why it could not), and exited non-zero. */
function failedOutcome(reading: InvocationReading, operation: HostOperation): Outcome {
  const details = normalizeDetails(reading.statusDetails);
  const code = reading.responseCode;
  if (details === 'Undeliverable' || details === 'InvalidPlatform' || details === 'AccessDenied') {
    return {
      status: 'undeliverable',
      result: result(code, `ssm:${details}`, excerptOf(reading.rawStderr)),
    };
  }
  const envelope = reading.envelope?.operation === operation ? reading.envelope : null;
  if ((envelope?.exitCode ?? code) === EXIT.constrainedLanguage) {
    return {
      status: 'failed',
      result: result(
        EXIT.constrainedLanguage,
        'host:constrained-language',
        excerptOf(envelope?.stderr ?? reading.rawStderr)
      ),
    };
  }
  if (envelope?.guard) return guardRefused(envelope.exitCode, envelope.guard);
  // The exit code alone identifies a guard (20–29 and 31–33 are never a Windows tool's), envelope or not.
  const guard = code === null ? undefined : GUARD_OF_EXIT.get(code);
  if (guard !== undefined && envelope === null) {
    return {
      status: 'skipped',
      result: result(code, `guard:${guard}`, excerptOf(reading.rawStderr, reading.rawStdout)),
    };
  }
  if (envelope) {
    const win32 = win32ErrorOf(`${envelope.stderr}\n${envelope.stdout}`);
    // net.exe also exits 2, so a Win32 error in the output wins over EXIT.badParameters.
    const errorCode =
      envelope.exitCode === EXIT.notConfirmed
        ? NOT_CONFIRMED
        : win32 !== null
          ? `win32:${win32}`
          : envelope.exitCode === EXIT.badParameters
            ? 'host:bad-parameters'
            : `exit:${envelope.exitCode}`;
    return {
      status: 'failed',
      result: result(envelope.exitCode, errorCode, excerptOf(envelope.stderr, envelope.stdout)),
    };
  }
  const win32 = win32ErrorOf(reading.rawStderr);
  return {
    status: 'failed',
    result: result(
      code,
      win32 !== null ? `win32:${win32}` : code === -1 ? 'ssm:Failed' : 'envelope:unreadable',
      excerptOf(reading.rawStderr, reading.rawStdout)
    ),
  };
}

/** `Success`: SSM saw exit 0. Confirmed only by the envelope of this operation saying so too. */
function successOutcome(reading: InvocationReading, operation: HostOperation): Outcome {
  const { envelope } = reading;
  if (envelope === null) {
    return {
      status: 'failed',
      result: result(
        reading.responseCode,
        'envelope:unreadable',
        excerptOf(reading.envelopeError ?? '', reading.rawStdout, reading.rawStderr)
      ),
    };
  }
  if (envelope.operation !== operation) {
    return {
      status: 'failed',
      result: result(
        envelope.exitCode,
        'envelope:operation-mismatch',
        excerptOf(`expected ${operation}, host reported ${envelope.operation}`)
      ),
    };
  }
  if (envelope.guard) return guardRefused(envelope.exitCode, envelope.guard);
  // A listing exits 0 once its tool ran and reports the tool's code inside (quser's "No User
  // exists" is exit 1 and an empty list); the parsers in lib/windows judge the content.
  // The tool's exit code is not enough: a disconnect or logoff succeeded when the host read the
  // session back and saw it disconnected or gone.
  if (READS_BACK.has(operation) && envelope.exitCode === EXIT.ok && !envelope.readBack?.confirmed) {
    return {
      status: 'failed',
      result: result(
        envelope.exitCode,
        NOT_CONFIRMED,
        excerptOf(
          envelope.readBack
            ? `session still ${envelope.readBack.state}`
            : 'the host did not read the session back',
          envelope.stderr
        )
      ),
    };
  }
  if (operation === 'EndShell' && envelope.exitCode === EXIT.ok) {
    const ended = shellEndOf(envelope);
    // A confirmed end always says how; one that does not is no end this service can vouch for.
    if (ended === null) {
      return {
        status: 'failed',
        result: result(
          envelope.exitCode,
          NOT_CONFIRMED,
          'the host did not say how it ended the shell'
        ),
      };
    }
    return {
      status: 'succeeded',
      result: {
        ...result(envelope.exitCode, null, excerptOf(describeShellEnd(ended), envelope.stdout)),
        shellEnd: ended,
      },
    };
  }
  if (isListOperation(operation) || envelope.exitCode === EXIT.ok) {
    return {
      status: 'succeeded',
      result: result(envelope.exitCode, null, excerptOf(envelope.stdout, envelope.stderr)),
    };
  }
  const win32 = win32ErrorOf(`${envelope.stderr}\n${envelope.stdout}`);
  return {
    status: 'failed',
    result: result(
      envelope.exitCode,
      win32 !== null ? `win32:${win32}` : `exit:${envelope.exitCode}`,
      excerptOf(envelope.stderr, envelope.stdout)
    ),
  };
}

/** The envelope's `shellEnd`, its values read as numbers; unknown ones stay `null`. */
function shellEndOf(envelope: HostEnvelope): ShellEndRecord | null {
  const ended = envelope.shellEnd;
  if (ended === null) return null;
  const children = ended.childProcesses ?? '';
  return {
    outcome: ended.outcome,
    state: ended.state,
    childProcesses: /^\d{1,9}$/.test(children) ? Number(children) : null,
    inactivitySeconds:
      ended.shellInactivity === null ? null : durationSeconds(ended.shellInactivity),
  };
}

function describeShellEnd(ended: ShellEndRecord): string {
  const children =
    ended.childProcesses === null
      ? 'child processes unknown'
      : `${ended.childProcesses} child process(es)`;
  const inactive =
    ended.inactivitySeconds === null
      ? 'inactivity unknown'
      : `inactive ${ended.inactivitySeconds} s`;
  return `${ended.outcome}: ${ended.state ?? 'state unknown'}, ${children}, ${inactive}`;
}

/**
 * The outcome of an invocation for the operation that was sent:
 *
 * | Status / StatusDetails | Outcome |
 * |---|---|
 * | Pending, InProgress, Delayed, Cancelling | `pending` |
 * | Success + envelope of this operation, exit 0 (list operations: tool ran; disconnect and logoff: read back confirmed) | `succeeded` |
 * | Success, disconnect, logoff or end-shell without a confirmed read-back | `failed` `host:not-confirmed` |
 * | Success, end-shell confirmed | `succeeded`, `result.shellEnd`: `ended` or `ended-ungraceful` |
 * | Success without a readable envelope | `failed` `envelope:unreadable` (never success) |
 * | Failed + guard (envelope `guard`, or exit 20–29, 31–33) | `skipped` `guard:<code>` |
 * | Failed + exit 30 (ConstrainedLanguage host, nothing done) | `failed` `host:constrained-language` |
 * | Failed + tool error | `failed` `win32:<n>` / `host:bad-parameters` / `exit:<n>` |
 * | Failed, exit 3 (tool exited 0, session read back unchanged) | `failed` `host:not-confirmed` |
 * | Failed / Undeliverable, InvalidPlatform, AccessDenied | `undeliverable` (nothing ran) |
 * | TimedOut / DeliveryTimedOut | `undeliverable` (nothing ran) |
 * | TimedOut / ExecutionTimedOut (or unspecified) | `timed_out` (may have run) |
 * | Cancelled / Cancelled, Terminated | `cancelled` |
 * | any other Status | `failed` `ssm:<Status>` |
 */
export function outcomeOf(
  reading: InvocationReading,
  operation: Operation | HostOperation
): Outcome {
  const hostOperation = toHostOperation(operation);
  const details = normalizeDetails(reading.statusDetails);
  switch (reading.status) {
    case 'Pending':
    case 'InProgress':
    case 'Delayed':
    case 'Cancelling':
      return { status: 'pending' };
    case 'Success':
      return successOutcome(reading, hostOperation);
    case 'Failed':
      return failedOutcome(reading, hostOperation);
    case 'TimedOut':
      if (details === 'DeliveryTimedOut' || details === 'Undeliverable') {
        return {
          status: 'undeliverable',
          result: result(reading.responseCode, `ssm:${details}`, ''),
        };
      }
      return {
        status: 'timed_out',
        result: result(
          reading.responseCode,
          'ssm:ExecutionTimedOut',
          excerptOf(reading.rawStderr, reading.rawStdout)
        ),
      };
    case 'Cancelled':
      return {
        status: 'cancelled',
        result: result(
          reading.responseCode,
          details === 'Terminated' ? 'ssm:Terminated' : 'ssm:Cancelled',
          excerptOf(reading.rawStderr, reading.rawStdout)
        ),
      };
    default:
      return {
        status: 'failed',
        result: result(
          reading.responseCode,
          `ssm:${reading.status}`,
          excerptOf(reading.statusDetails, reading.rawStderr)
        ),
      };
  }
}

/**
 * What a failed SendCommand means for the action: `undeliverable` or `failed` are terminal (no
 * command exists to wait for); `retry` means nothing is known to have happened and the action may
 * be sent again later (throttling, a 5xx, a network error).
 */
export type SendErrorOutcome =
  | { status: 'undeliverable' | 'failed'; result: ActionResult }
  | { status: 'retry'; result: ActionResult };

export function outcomeOfSendError(error: unknown): SendErrorOutcome {
  const message = excerptOf(error instanceof Error ? error.message : String(error));
  if (!(error instanceof DispatchError)) {
    return { status: 'failed', result: result(null, `error:${errorNameOf(error)}`, message) };
  }
  switch (error.code) {
    case 'invalid-instance':
      return { status: 'undeliverable', result: result(null, 'ssm:InvalidInstanceId', message) };
    case 'unsupported-platform':
      return {
        status: 'undeliverable',
        result: result(null, 'ssm:UnsupportedPlatformType', message),
      };
    case 'invalid-parameter':
    case 'invalid-request':
      return { status: 'failed', result: result(null, `request:${error.code}`, message) };
    case 'parameters-rejected':
      return { status: 'failed', result: result(null, 'ssm:InvalidParameters', message) };
    case 'document-not-found':
      return { status: 'failed', result: result(null, 'ssm:InvalidDocument', message) };
    case 'throttled':
      return { status: 'retry', result: result(null, 'ssm:Throttled', message) };
    case 'ssm-service':
      return { status: 'retry', result: result(null, 'ssm:ServiceError', message) };
    default:
      return { status: 'failed', result: result(null, `dispatch:${error.code}`, message) };
  }
}
