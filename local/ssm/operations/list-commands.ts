import { type CommandRecord, expiresAt, isTerminal } from '../engine.js';
import {
  checkCommandId,
  checkInstanceId,
  checkMaxResults,
  epochSeconds,
  type Input,
  optionalInteger,
  optionalList,
  optionalString,
  paginate,
} from '../input.js';
import type { OperationContext } from './context.js';
import { COMMAND_STATUS_FILTER, commandFilter } from './validation.js';

export function commandShape(command: CommandRecord): Record<string, unknown> {
  const invocations = [...command.invocations.values()];
  const completed = invocations.filter((invocation) => isTerminal(invocation.status)).length;
  const errors = invocations.filter(
    (invocation) =>
      invocation.statusDetails === 'Failed' || invocation.statusDetails === 'ExecutionTimedOut'
  ).length;
  const deliveryTimedOut = invocations.filter(
    (invocation) => invocation.statusDetails === 'DeliveryTimedOut'
  ).length;
  return {
    CommandId: command.commandId,
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion,
    Comment: command.comment,
    ExpiresAfter: epochSeconds(expiresAt(command)),
    Parameters: command.parameters,
    InstanceIds: command.instanceIds,
    Targets: command.targets,
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: command.status,
    StatusDetails: command.statusDetails,
    OutputS3BucketName: command.outputS3BucketName,
    OutputS3KeyPrefix: command.outputS3KeyPrefix,
    MaxConcurrency: command.maxConcurrency,
    MaxErrors: command.maxErrors,
    TargetCount: invocations.length,
    CompletedCount: completed,
    ErrorCount: errors,
    DeliveryTimedOutCount: deliveryTimedOut,
    ServiceRole: command.serviceRoleArn,
    NotificationConfig: command.notificationConfig,
    CloudWatchOutputConfig: command.cloudWatchOutputConfig,
    TimeoutSeconds: command.timeoutSeconds,
  };
}

export function listCommands(context: OperationContext, input: Input) {
  const commandId = optionalString(input, 'CommandId');
  const instanceId = optionalString(input, 'InstanceId');
  if (commandId !== undefined) checkCommandId(commandId, 'commandId');
  if (instanceId !== undefined) checkInstanceId(instanceId, 'instanceId');
  checkMaxResults(optionalInteger(input, 'MaxResults'), 1, 50);
  const filter = commandFilter(optionalList(input, 'Filters'), COMMAND_STATUS_FILTER, true);
  if (commandId !== undefined) context.findCommand(commandId);
  const commands = [...context.engine.commands.values()]
    .filter((command) => commandId === undefined || command.commandId === commandId)
    .filter((command) => instanceId === undefined || command.instanceIds.includes(instanceId))
    .filter((command) => filter(command, command.status, command.statusDetails))
    .reverse();
  const { page, next } = paginate(commands, input, 50);
  return { Commands: page.map(commandShape), NextToken: next };
}
