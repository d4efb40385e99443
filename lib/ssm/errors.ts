/**
 * Typed errors of the dispatcher. SDK exceptions are translated where they are caught and kept as
 * `cause`; `code` lets callers switch without `instanceof` chains (e.g. the API maps
 * `invalid-request` to 400, the ledger records `undeliverable` for `invalid-instance`).
 */

export const DISPATCH_ERROR_CODES = [
  'invalid-request',
  'invalid-parameter',
  'invalid-instance',
  'parameters-rejected',
  'document-not-found',
  'unsupported-platform',
  'throttled',
  'command-not-found',
  'invocation-not-found',
  'wait-timeout',
  'ssm-service',
] as const;
export type DispatchErrorCode = (typeof DISPATCH_ERROR_CODES)[number];

export class DispatchError extends Error {
  readonly code: DispatchErrorCode;

  constructor(code: DispatchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DispatchError';
    this.code = code;
  }
}

/** The request itself is malformed (too many instance ids, comment too long…); nothing was sent. */
export class InvalidRequestError extends DispatchError {
  readonly field: string;

  constructor(field: string, message: string, options?: ErrorOptions) {
    super('invalid-request', message, options);
    this.name = 'InvalidRequestError';
    this.field = field;
  }
}

/** A value would fail the document's `allowedPattern`; caught before anything is sent. */
export class InvalidHostParameterError extends DispatchError {
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: ErrorOptions) {
    super('invalid-parameter', message, options);
    this.name = 'InvalidHostParameterError';
    this.parameter = parameter;
  }
}

/** SSM refused the instance ids (`InvalidInstanceId`): unmanaged, agent not registered, terminated. */
export class InvalidInstanceError extends DispatchError {
  readonly instanceIds: readonly string[];

  constructor(instanceIds: readonly string[], message: string, options?: ErrorOptions) {
    super('invalid-instance', message, options);
    this.name = 'InvalidInstanceError';
    this.instanceIds = instanceIds;
  }
}

/** SSM refused the parameters (`InvalidParameters`, or a `ValidationException` on the request). */
export class ParametersRejectedError extends DispatchError {
  constructor(message: string, options?: ErrorOptions) {
    super('parameters-rejected', message, options);
    this.name = 'ParametersRejectedError';
  }
}

/** The Command document does not exist in this account and region (`InvalidDocument`). */
export class DocumentNotFoundError extends DispatchError {
  readonly documentName: string;

  constructor(documentName: string, options?: ErrorOptions) {
    super('document-not-found', `document ${documentName} does not exist`, options);
    this.name = 'DocumentNotFoundError';
    this.documentName = documentName;
  }
}

/** The document does not run on the platform of an instance (`UnsupportedPlatformType`). */
export class UnsupportedPlatformError extends DispatchError {
  constructor(message: string, options?: ErrorOptions) {
    super('unsupported-platform', message, options);
    this.name = 'UnsupportedPlatformError';
  }
}

/** SSM kept throttling (or failing transiently) through every allowed attempt. */
export class ThrottledError extends DispatchError {
  readonly operation: string;
  readonly attempts: number;

  constructor(operation: string, attempts: number, options?: ErrorOptions) {
    super('throttled', `${operation} still throttled after ${attempts} attempts`, options);
    this.name = 'ThrottledError';
    this.operation = operation;
    this.attempts = attempts;
  }
}

/** `InvalidCommandId`: the command id is unknown to SSM (or its history has expired). */
export class CommandNotFoundError extends DispatchError {
  readonly commandId: string;

  constructor(commandId: string, options?: ErrorOptions) {
    super('command-not-found', `command ${commandId} does not exist`, options);
    this.name = 'CommandNotFoundError';
    this.commandId = commandId;
  }
}

/** `InvocationDoesNotExist` outlasted the grace period granted to SSM's eventual consistency. */
export class InvocationNotFoundError extends DispatchError {
  readonly commandId: string;
  readonly instanceId: string;

  constructor(commandId: string, instanceId: string, options?: ErrorOptions) {
    super(
      'invocation-not-found',
      `no invocation of command ${commandId} on instance ${instanceId}`,
      options
    );
    this.name = 'InvocationNotFoundError';
    this.commandId = commandId;
    this.instanceId = instanceId;
  }
}

/** The invocation was still not terminal when the caller's wait ran out. */
export class InvocationWaitTimeoutError extends DispatchError {
  readonly commandId: string;
  readonly instanceId: string;
  /** The last status seen (`Pending`, `InProgress`, `Delayed`…), or `null` if none was visible. */
  readonly lastStatus: string | null;

  constructor(
    commandId: string,
    instanceId: string,
    timeoutMs: number,
    lastStatus: string | null,
    options?: ErrorOptions
  ) {
    super(
      'wait-timeout',
      `invocation of command ${commandId} on ${instanceId} not terminal after ${timeoutMs} ms (last status: ${lastStatus ?? 'none'})`,
      options
    );
    this.name = 'InvocationWaitTimeoutError';
    this.commandId = commandId;
    this.instanceId = instanceId;
    this.lastStatus = lastStatus;
  }
}

/**
 * Any other SSM failure: a 5xx, a network error, an unexpected response. For SendCommand it is
 * ambiguous whether the command went out, which is why it is never retried automatically.
 */
export class SsmServiceError extends DispatchError {
  readonly operation: string;
  /** The SDK's error name (`InternalServerError`, `TimeoutError`…) when there is one. */
  readonly errorName: string;

  constructor(operation: string, errorName: string, message: string, options?: ErrorOptions) {
    super('ssm-service', `${operation} failed: ${errorName}: ${message}`, options);
    this.name = 'SsmServiceError';
    this.operation = operation;
    this.errorName = errorName;
  }
}

/** The name of an SDK (or any) error, without depending on its class. */
export function errorNameOf(error: unknown): string {
  if (error instanceof Error) return error.name;
  if (typeof error === 'object' && error !== null && 'name' in error) {
    const { name } = error as { name: unknown };
    if (typeof name === 'string') return name;
  }
  return 'UnknownError';
}

/** The message of an SDK error; SSM often sends none (`InvalidInstanceId`, `InvocationDoesNotExist`). */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
