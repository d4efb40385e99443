/**
 * An SSM API error as the service sends it: HTTP 400 (500 for `InternalServerError`) with
 * `{"__type": <code>, "message": <text>}`, which the SDK turns into an exception named `<code>`.
 */
export class SsmApiError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = 'SsmApiError';
    this.type = type;
    this.status = status;
  }
}

/** The model-constraint failure text of real SSM, e.g. for a Comment over 100 characters. */
export function validationError(member: string, value: unknown, constraint: string): SsmApiError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new SsmApiError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`
  );
}
