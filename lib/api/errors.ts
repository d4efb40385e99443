/**
 * The errors the API answers with. Each carries its HTTP status and a short machine-readable
 * `error` code; the body never holds a stack trace or an internal message.
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
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly fields: FieldIssue[] | undefined;
  /** More members of the body (e.g. the conflicting `actionId`). */
  readonly extra: Record<string, unknown>;

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    details: { fields?: FieldIssue[]; extra?: Record<string, unknown>; cause?: unknown } = {}
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = details.fields;
    this.extra = details.extra ?? {};
  }

  body(): ApiErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.fields ? { fields: this.fields } : {}),
      ...this.extra,
    };
  }
}

export function badRequest(message: string, fields: FieldIssue[] = []): ApiError {
  return new ApiError(400, 'bad-request', message, { fields });
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'not-found', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'forbidden', message);
}
