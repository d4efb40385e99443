import { type CommandRecord, isTerminal } from '../engine.js';
import { SsmApiError, validationError } from '../errors.js';
import { checkInstanceId, type Input, serialization } from '../input.js';

/**
 * Run Command's member constraints and filters, as botocore's `ssm/2014-11-06/service-2.json`
 * states them (aws-facts §1.6), with SSM's own error for each.
 */

const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
export const COMMAND_STATUS_FILTER = [
  'Pending',
  'InProgress',
  'Success',
  'Cancelled',
  'Failed',
  'TimedOut',
  'Cancelling',
];
export const INVOCATION_STATUS_FILTER = [...COMMAND_STATUS_FILTER, 'Delayed'];

export function checkComment(comment: string): void {
  if (comment.length > 100) {
    throw validationError('comment', comment, 'Member must have length less than or equal to 100');
  }
}

export function checkTimeoutSeconds(timeoutSeconds: number): void {
  if (timeoutSeconds < 30) {
    throw validationError(
      'timeoutSeconds',
      String(timeoutSeconds),
      'Member must have value greater than or equal to 30'
    );
  }
  if (timeoutSeconds > 2_592_000) {
    throw validationError(
      'timeoutSeconds',
      String(timeoutSeconds),
      'Member must have value less than or equal to 2592000'
    );
  }
}

export function checkMaxConcurrency(maxConcurrency: string): void {
  if (!MAX_CONCURRENCY.test(maxConcurrency)) {
    throw validationError(
      'maxConcurrency',
      maxConcurrency,
      'Member must satisfy regular expression pattern: ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$'
    );
  }
}

export function checkMaxErrors(maxErrors: string): void {
  if (!MAX_ERRORS.test(maxErrors)) {
    throw validationError(
      'maxErrors',
      maxErrors,
      'Member must satisfy regular expression pattern: ^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$'
    );
  }
}

/** An `InstanceIds` member: at most 50, each of SSM's instance-id pattern. */
export function checkInstanceIds(instanceIds: readonly string[] | undefined): void {
  if (instanceIds !== undefined && instanceIds.length > 50) {
    throw validationError(
      'instanceIds',
      instanceIds,
      'Member must have length less than or equal to 50'
    );
  }
  for (const id of instanceIds ?? []) checkInstanceId(id, 'instanceIds');
}

function parseFilterTime(value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new SsmApiError('InvalidFilterKey', `Filter value ${value} is not a date-time.`);
  }
  return time;
}

/** `CommandFilter`s (lower-case `key`/`value`), shared by ListCommands and ListCommandInvocations. */
export function commandFilter(
  filters: Input[] | undefined,
  statuses: readonly string[],
  allowExecutionStage: boolean
): (command: CommandRecord, status: string, details: string) => boolean {
  if (filters !== undefined && (filters.length < 1 || filters.length > 5)) {
    throw validationError('filters', filters, 'Member must have length between 1 and 5');
  }
  const checks = (filters ?? []).map((filter) => {
    const key = filter.key;
    const value = filter.value;
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw serialization('A CommandFilter needs a key and a value.');
    }
    switch (key) {
      case 'InvokedAfter': {
        const after = parseFilterTime(value);
        return (command: CommandRecord) => command.requestedAt.getTime() >= after;
      }
      case 'InvokedBefore': {
        const before = parseFilterTime(value);
        return (command: CommandRecord) => command.requestedAt.getTime() <= before;
      }
      case 'DocumentName':
        return (command: CommandRecord) => command.documentName === value;
      case 'Status': {
        const known = [...statuses, 'DeliveryTimedOut', 'ExecutionTimedOut', 'Undeliverable'];
        if (!known.includes(value)) {
          throw new SsmApiError('InvalidFilterKey', `Status filter value ${value} is not valid.`);
        }
        return (_: CommandRecord, status: string, details: string) =>
          status === value || details === value;
      }
      case 'ExecutionStage':
        if (allowExecutionStage && (value === 'Executing' || value === 'Complete')) {
          return (_: CommandRecord, status: string) =>
            (value === 'Complete') === isTerminal(status as CommandRecord['status']);
        }
        throw new SsmApiError(
          'InvalidFilterKey',
          `The filter key ExecutionStage isn't valid here.`
        );
      default:
        throw new SsmApiError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
    }
  });
  return (command, status, details) => checks.every((check) => check(command, status, details));
}
