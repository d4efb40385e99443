/**
 * The errors the API answers with. Each carries a short machine-readable `error` code (the edge,
 * `functions/api`, gives each code its HTTP status); the body never holds a stack trace or an
 * internal message.
 */

export interface FieldIssue {
  /** Where in the request: `body.sessionId`, `query.limit`, `path.instanceId`… */
  path: string;
  message: string;
}

export const API_ERROR_CODES = [
  'bad-request',
  'unauthorized',
  'forbidden',
  'excluded',
  'console-session',
  'not-found',
  'conflict',
  'confirmation-required',
  'dispatch-failed',
  'host-error',
  'host-offline',
  'host-timeout',
  'ssm-busy',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiErrorBody {
  error: ApiErrorCode;
  message: string;
  fields?: FieldIssue[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly fields: FieldIssue[] | undefined;
  /** More members of the body (e.g. the conflicting `actionId`). */
  readonly extra: Record<string, unknown>;

  constructor(
    code: ApiErrorCode,
    message: string,
    details: { fields?: FieldIssue[]; extra?: Record<string, unknown>; cause?: unknown } = {}
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.code = code;
    this.fields = details.fields;
    this.extra = details.extra ?? {};
  }

  body(): ApiErrorBody {
    return {
      error: this.code,
      message: this.message,
      fields: this.fields,
      ...this.extra,
    };
  }
}

export function badRequest(message: string, fields: FieldIssue[] = []): ApiError {
  return new ApiError('bad-request', message, { fields });
}

export function notFound(message: string): ApiError {
  return new ApiError('not-found', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError('forbidden', message);
}
