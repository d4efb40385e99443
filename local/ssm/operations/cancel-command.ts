import { SsmApiError } from '../errors.js';
import { checkCommandId, type Input, optionalStrings, requiredString } from '../input.js';
import type { OperationContext } from './context.js';
import { checkInstanceIds } from './validation.js';

export function cancelCommand(context: OperationContext, input: Input) {
  const commandId = requiredString(input, 'CommandId', 'commandId');
  checkCommandId(commandId, 'commandId');
  const instanceIds = optionalStrings(input, 'InstanceIds');
  checkInstanceIds(instanceIds);
  if (instanceIds !== undefined && new Set(instanceIds).size !== instanceIds.length) {
    throw new SsmApiError('DuplicateInstanceId', '');
  }
  const command = context.findCommand(commandId);
  const unknown = (instanceIds ?? []).filter((id) => !command.invocations.has(id));
  if (unknown.length > 0) throw new SsmApiError('InvalidInstanceId', '');
  context.engine.cancel(command, instanceIds);
  return {};
}
