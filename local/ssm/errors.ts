import { AwsJsonError } from '../aws-json/server.js';

/** An SSM API error as the service sends it (see `AwsJsonError`). */
export class SsmApiError extends AwsJsonError {
  constructor(type: string, message: string, status = 400) {
    super(type, message, status);
    this.name = 'SsmApiError';
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
