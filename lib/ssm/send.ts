import { SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { documentFor, type HostDocuments } from '../contract.js';
import { callSsm, ssmErrorOf, type TypedSsmError } from './call.js';
import {
  type DispatchError,
  DocumentNotFoundError,
  InvalidInstanceError,
  InvalidRequestError,
  ParametersRejectedError,
  SsmServiceError,
  UnsupportedPlatformError,
} from './errors.js';
import type { HostParameters } from './host-contract.js';
import { assertInstanceId } from './instances.js';
import { assertValidHostParameters } from './parameters.js';
import type { RetryPolicy } from './retry.js';

/** SendCommand's own limits (aws-facts §2). */
export const MAX_INSTANCES_PER_COMMAND = 50;
export const MAX_COMMENT_LENGTH = 100;
export const MIN_DELIVERY_TIMEOUT_SECONDS = 30;
export const MAX_DELIVERY_TIMEOUT_SECONDS = 2_592_000;

/** Printable ASCII only: the comment shows up in the console, in events and in CLI output. */
const COMMENT = /^[\x20-\x7e]*$/;

export interface SendDeps {
  ssm: SSMClient;
  documents: HostDocuments;
  /**
   * CloudWatch log group for the command output (`CloudWatchOutputConfig`). Empty or absent turns
   * CloudWatch output off: without a name SSM would create `/aws/ssm/<document>` itself, with no
   * retention and outside the stack.
   */
  outputLogGroup?: string;
  /** `TimeoutSeconds`: how long SSM may try to deliver before `DeliveryTimedOut` (30–2,592,000). */
  deliveryTimeoutSeconds: number;
  retry?: Partial<RetryPolicy>;
}

export interface SendRequest {
  /** 1–50 distinct managed instance ids (`i-…` or `mi-…`). */
  instanceIds: readonly string[];
  parameters: HostParameters;
  /** ≤ 100 printable ASCII characters, e.g. `sj:<actionId>` or `sj:sweep:<id>;g:<group>`. */
  comment: string;
}

export interface SentCommand {
  commandId: string;
}

/** Throws {@link InvalidRequestError} for anything SendCommand would refuse on its own limits. */
export function assertValidSendRequest(
  deps: Pick<SendDeps, 'deliveryTimeoutSeconds'>,
  request: SendRequest
): void {
  const { instanceIds, comment } = request;
  if (instanceIds.length < 1 || instanceIds.length > MAX_INSTANCES_PER_COMMAND) {
    throw new InvalidRequestError(
      'instanceIds',
      `a command targets 1–${MAX_INSTANCES_PER_COMMAND} instances, not ${instanceIds.length}`
    );
  }
  for (const id of instanceIds) assertInstanceId('instanceIds', id);
  if (new Set(instanceIds).size !== instanceIds.length) {
    throw new InvalidRequestError('instanceIds', 'instance ids must be distinct');
  }
  if (comment.length > MAX_COMMENT_LENGTH || !COMMENT.test(comment)) {
    throw new InvalidRequestError(
      'comment',
      `comment must be at most ${MAX_COMMENT_LENGTH} printable ASCII characters`
    );
  }
  const timeout = deps.deliveryTimeoutSeconds;
  if (
    !Number.isInteger(timeout) ||
    timeout < MIN_DELIVERY_TIMEOUT_SECONDS ||
    timeout > MAX_DELIVERY_TIMEOUT_SECONDS
  ) {
    throw new InvalidRequestError(
      'deliveryTimeoutSeconds',
      `delivery timeout must be ${MIN_DELIVERY_TIMEOUT_SECONDS}–${MAX_DELIVERY_TIMEOUT_SECONDS} s, not ${timeout}`
    );
  }
}

/** SSM wants `map<string, string[]>`; empty values are left out so the document's `''` applies. */
function toSsmParameters(parameters: HostParameters): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value === 'string' && value !== '') result[name] = [value];
  }
  return result;
}

/** Translates a SendCommand failure into the dispatcher's typed errors (original kept as cause). */
export function translateSendError(
  error: unknown,
  request: Pick<SendRequest, 'instanceIds'>,
  documentName: string
): DispatchError {
  return ssmErrorOf('SendCommand', error, sendErrorOf(request, documentName));
}

function sendErrorOf(
  request: Pick<SendRequest, 'instanceIds'>,
  documentName: string
): TypedSsmError {
  return (name, message, cause) => {
    switch (name) {
      case 'InvalidInstanceId':
        return new InvalidInstanceError(
          request.instanceIds,
          message || 'SSM refused the instance ids: not managed, not registered or not running',
          { cause }
        );
      case 'InvalidParameters':
      case 'ValidationException':
        return new ParametersRejectedError(message || `SSM refused the request (${name})`, {
          cause,
        });
      case 'InvalidDocument':
      case 'InvalidDocumentVersion':
        return new DocumentNotFoundError(documentName, { cause });
      case 'UnsupportedPlatformType':
        return new UnsupportedPlatformError(
          message || 'the document does not run on the platform of an instance',
          { cause }
        );
      default:
        return undefined;
    }
  };
}

/**
 * Sends one document operation to 1–50 instances and returns the command id. Validates the
 * request and every parameter first (nothing is sent if anything is wrong), retries throttling
 * with backoff, never retries anything else (a 5xx may have been accepted). Every failure is a
 * {@link DispatchError}: `InvalidInstanceError`, `ParametersRejectedError`,
 * `DocumentNotFoundError`, `UnsupportedPlatformError`, `ThrottledError`, `SsmServiceError`,
 * `InvalidRequestError`, `InvalidHostParameterError`.
 *
 * `MaxErrors` is `100%` so that one failing host does not cancel (`Terminated`) the others of a
 * batch; `MaxConcurrency` lets all of them run at once.
 */
export async function sendOperation(deps: SendDeps, request: SendRequest): Promise<SentCommand> {
  assertValidSendRequest(deps, request);
  assertValidHostParameters(request.parameters);
  const outputLogGroup = deps.outputLogGroup ?? '';
  const documentName = documentFor(deps.documents, request.parameters.Operation);
  const command = new SendCommandCommand({
    DocumentName: documentName,
    InstanceIds: [...request.instanceIds],
    Parameters: toSsmParameters(request.parameters),
    Comment: request.comment,
    TimeoutSeconds: deps.deliveryTimeoutSeconds,
    MaxConcurrency: String(MAX_INSTANCES_PER_COMMAND),
    MaxErrors: '100%',
    CloudWatchOutputConfig:
      outputLogGroup !== ''
        ? { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: outputLogGroup }
        : undefined,
  });
  const response = await callSsm('SendCommand', () => deps.ssm.send(command), {
    retry: deps.retry,
    typed: sendErrorOf(request, documentName),
  });
  const commandId = response.Command?.CommandId;
  if (!commandId) {
    throw new SsmServiceError('SendCommand', 'MissingCommandId', 'the response has no CommandId');
  }
  return { commandId };
}

export interface BatchSendResult {
  /** One entry per SendCommand that SSM accepted. */
  sent: { commandId: string; instanceIds: string[] }[];
  /** Instances nothing was sent to, grouped by the error that stopped them. */
  rejected: { instanceIds: string[]; error: DispatchError }[];
}

/**
 * Sends one operation to any number of instances, 50 per SendCommand. SSM refuses a whole batch
 * for one bad id (`InvalidInstanceId` does not say which), so a refused batch is halved until the
 * bad ids are isolated and the others still get the command. Other failures reject their batch.
 * Bad parameters or comment throw before anything is sent.
 */
export async function sendInBatches(
  deps: SendDeps,
  request: SendRequest
): Promise<BatchSendResult> {
  const ids = [...new Set(request.instanceIds)];
  if (ids.length === 0) return { sent: [], rejected: [] };
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += MAX_INSTANCES_PER_COMMAND) {
    batches.push(ids.slice(start, start + MAX_INSTANCES_PER_COMMAND));
  }
  for (const batch of batches) assertValidSendRequest(deps, { ...request, instanceIds: batch });
  assertValidHostParameters(request.parameters);
  const result: BatchSendResult = { sent: [], rejected: [] };
  const send = async (batch: string[]): Promise<void> => {
    try {
      const { commandId } = await sendOperation(deps, { ...request, instanceIds: batch });
      result.sent.push({ commandId, instanceIds: batch });
    } catch (error) {
      const typed = translateSendError(
        error,
        { instanceIds: batch },
        documentFor(deps.documents, request.parameters.Operation)
      );
      if (typed instanceof InvalidInstanceError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await send(batch.slice(0, half));
        await send(batch.slice(half));
        return;
      }
      result.rejected.push({ instanceIds: batch, error: typed });
    }
  };
  for (const batch of batches) await send(batch);
  return result;
}
