import type { CommandRecord, Invocation } from '../engine.js';
import { SsmApiError } from '../errors.js';
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
  requiredString,
} from '../input.js';
import {
  MAX_STDERR_LENGTH,
  MAX_STDOUT_LENGTH,
  truncatePluginOutput,
  truncateStream,
} from '../output.js';
import type { OperationContext } from './context.js';
import { commandFilter, INVOCATION_STATUS_FILTER } from './validation.js';

/** GetCommandInvocation and ListCommandInvocations: one invocation, or a page of them. */

/** StandardOutputContent is empty until the plugin has Succeeded or Failed. */
function hasOutput(invocation: Invocation): boolean {
  return invocation.status === 'Success' || invocation.status === 'Failed';
}

function elapsed(invocation: Invocation): string {
  if (invocation.startedAt === null || invocation.endedAt === null) return '';
  const seconds = (invocation.endedAt.getTime() - invocation.startedAt.getTime()) / 1000;
  return `PT${seconds.toFixed(3)}S`;
}

function pluginStatus(invocation: Invocation): string {
  if (invocation.status === 'Delayed') return 'Pending';
  if (invocation.status === 'Cancelling') return 'InProgress';
  return invocation.status;
}

export function getCommandInvocation(context: OperationContext, input: Input) {
  const commandId = requiredString(input, 'CommandId', 'commandId');
  const instanceId = requiredString(input, 'InstanceId', 'instanceId');
  checkCommandId(commandId, 'commandId');
  checkInstanceId(instanceId, 'instanceId');
  const pluginName = optionalString(input, 'PluginName');
  const { engine } = context;
  const command = engine.commands.get(commandId);
  const invocation = command?.invocations.get(instanceId);
  const invisibleFor = context.faults().invocationNotFoundMs;
  if (
    command === undefined ||
    invocation === undefined ||
    engine.now() - command.sentAtMs < invisibleFor
  ) {
    throw new SsmApiError('InvocationDoesNotExist', '');
  }
  const { stepName } = context.findDocument(command.documentName);
  if (pluginName !== undefined && pluginName !== stepName) {
    throw new SsmApiError('InvalidPluginName', '');
  }
  const output = hasOutput(invocation);
  return {
    CommandId: command.commandId,
    InstanceId: instanceId,
    Comment: command.comment,
    DocumentName: command.documentName,
    DocumentVersion: command.documentVersion,
    PluginName: stepName,
    ResponseCode: invocation.responseCode,
    ExecutionStartDateTime: invocation.startedAt?.toISOString() ?? '',
    ExecutionElapsedTime: elapsed(invocation),
    ExecutionEndDateTime: invocation.endedAt?.toISOString() ?? '',
    Status: invocation.status,
    StatusDetails: invocation.statusDetails,
    StandardOutputContent: output ? truncateStream(invocation.stdout, MAX_STDOUT_LENGTH) : '',
    StandardOutputUrl: '',
    StandardErrorContent: output ? truncateStream(invocation.stderr, MAX_STDERR_LENGTH) : '',
    StandardErrorUrl: '',
    CloudWatchOutputConfig: command.cloudWatchOutputConfig,
  };
}

export function listCommandInvocations(context: OperationContext, input: Input) {
  const commandId = optionalString(input, 'CommandId');
  const instanceId = optionalString(input, 'InstanceId');
  if (commandId !== undefined) checkCommandId(commandId, 'commandId');
  if (instanceId !== undefined) checkInstanceId(instanceId, 'instanceId');
  checkMaxResults(optionalInteger(input, 'MaxResults'), 1, 50);
  const filter = commandFilter(optionalList(input, 'Filters'), INVOCATION_STATUS_FILTER, false);
  const details = input.Details === true;
  const rows: { command: CommandRecord; invocation: Invocation }[] = [];
  // One command's invocations straight from it: a sweep reads each of its commands, and a scan
  // of every command per read grows with the square of the fleet (10,000 hosts: 200 reads × 30,200).
  const named = commandId === undefined ? undefined : context.engine.commands.get(commandId);
  const commands =
    commandId === undefined
      ? [...context.engine.commands.values()].reverse()
      : named === undefined
        ? []
        : [named];
  for (const command of commands) {
    for (const invocation of command.invocations.values()) {
      if (instanceId !== undefined && invocation.instanceId !== instanceId) continue;
      if (!filter(command, invocation.status, invocation.statusDetails)) continue;
      rows.push({ command, invocation });
    }
  }
  const { page, next } = paginate(rows, input, 50);
  return {
    CommandInvocations: page.map(({ command, invocation }) => ({
      CommandId: command.commandId,
      InstanceId: invocation.instanceId,
      InstanceName: invocation.instanceName,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: command.documentVersion,
      RequestedDateTime: epochSeconds(command.requestedAt),
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: details ? [pluginShape(context, command, invocation)] : [],
      ServiceRole: command.serviceRoleArn,
      NotificationConfig: command.notificationConfig,
      CloudWatchOutputConfig: command.cloudWatchOutputConfig,
    })),
    NextToken: next,
  };
}

function pluginShape(context: OperationContext, command: CommandRecord, invocation: Invocation) {
  return {
    Name: context.findDocument(command.documentName).stepName,
    Status: pluginStatus(invocation),
    StatusDetails: invocation.statusDetails,
    ResponseCode: invocation.responseCode,
    ResponseStartDateTime: invocation.startedAt ? epochSeconds(invocation.startedAt) : undefined,
    ResponseFinishDateTime: invocation.endedAt ? epochSeconds(invocation.endedAt) : undefined,
    Output: hasOutput(invocation) ? truncatePluginOutput(invocation.stdout, invocation.stderr) : '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    OutputS3Region: '',
    OutputS3BucketName: command.outputS3BucketName,
    OutputS3KeyPrefix: command.outputS3KeyPrefix,
  };
}
