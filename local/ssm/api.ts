import type { Fleet, FleetInstance } from '../fleet/types.js';
import {
  associationStatusFilter,
  checkDocumentName,
  checkDocumentVersion,
  createCatalogOperations,
  findDocument as findCatalogDocument,
  pingStatusOf,
} from './catalog.js';
import { type CommandDocument, describeDocument, resolveParameters } from './document.js';
import {
  type CommandRecord,
  expiresAt,
  type Invocation,
  isTerminal,
  type RunCommandEngine,
} from './engine.js';
import { SsmApiError, validationError } from './errors.js';
import {
  checkCommandId,
  checkInstanceId,
  checkMaxResults,
  epochSeconds,
  type Input,
  type Operation,
  optionalInteger,
  optionalList,
  optionalString,
  optionalStrings,
  paginate,
  requiredString,
  serialization,
} from './input.js';
import {
  MAX_STDERR_LENGTH,
  MAX_STDOUT_LENGTH,
  truncatePluginOutput,
  truncateStream,
} from './output.js';
import type { SsmFaults } from './types.js';

/**
 * The SSM operations, request in and response out, with the validation SSM performs. Shapes and
 * constraints follow botocore's `ssm/2014-11-06/service-2.json` (aws-facts §1.6).
 */

const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
const COMMAND_STATUS_FILTER = [
  'Pending',
  'InProgress',
  'Success',
  'Cancelled',
  'Failed',
  'TimedOut',
  'Cancelling',
];
const INVOCATION_STATUS_FILTER = [...COMMAND_STATUS_FILTER, 'Delayed'];
const DEFAULT_TIMEOUT_SECONDS = 3600;
const INSTANCE_ID_VALUE = /(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)/;

function parseFilterTime(value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new SsmApiError('InvalidFilterKey', `Filter value ${value} is not a date-time.`);
  }
  return time;
}

/** `CommandFilter`s (lower-case `key`/`value`), shared by ListCommands and ListCommandInvocations. */
function commandFilter(
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

export interface ApiContext {
  engine: RunCommandEngine;
  fleet: Fleet;
  /** The documents this account holds, by name. */
  documents: ReadonlyMap<string, CommandDocument>;
  faults: () => SsmFaults;
  accountId: string;
  region: string;
  startedAt: Date;
  clock: () => Date;
}

function notificationConfig(input: Input): Record<string, unknown> {
  const given = input.NotificationConfig;
  const config = typeof given === 'object' && given !== null ? (given as Input) : {};
  return {
    NotificationArn: typeof config.NotificationArn === 'string' ? config.NotificationArn : '',
    NotificationEvents: Array.isArray(config.NotificationEvents) ? config.NotificationEvents : [],
    NotificationType: typeof config.NotificationType === 'string' ? config.NotificationType : '',
  };
}

function cloudWatchConfig(input: Input): CommandRecord['cloudWatchOutputConfig'] {
  const given = input.CloudWatchOutputConfig;
  const config = typeof given === 'object' && given !== null ? (given as Input) : {};
  const group =
    typeof config.CloudWatchLogGroupName === 'string' ? config.CloudWatchLogGroupName : '';
  if (group.length > 512) {
    throw validationError(
      'cloudWatchOutputConfig.cloudWatchLogGroupName',
      group,
      'Member must have length less than or equal to 512'
    );
  }
  return {
    CloudWatchLogGroupName: group,
    CloudWatchOutputEnabled: config.CloudWatchOutputEnabled === true,
  };
}

function commandShape(command: CommandRecord): Record<string, unknown> {
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

function resolveTargets(context: ApiContext, targets: Input[]): string[] {
  if (targets.length > 5) {
    throw validationError('targets', targets, 'Member must have length less than or equal to 5');
  }
  let selected: FleetInstance[] | null = null;
  for (const target of targets) {
    const key = target.Key;
    const values = target.Values;
    if (typeof key !== 'string' || !Array.isArray(values) || values.length > 50) {
      throw serialization('A Target needs a Key and at most 50 Values.');
    }
    const wanted = values.map(String);
    let matches: (instance: FleetInstance) => boolean;
    if (key.toLowerCase() === 'instanceids') {
      // `Values=*` (every node) is for State Manager and Automation; Run Command needs the nodes
      // named, like InstanceIds.
      const notIds = wanted.filter((value) => !INSTANCE_ID_VALUE.test(value));
      if (notIds.length > 0) {
        throw new SsmApiError(
          'InvalidInstanceId',
          `Instances [[${notIds.join(', ')}]] not in a valid state for account ${context.accountId}`
        );
      }
      matches = (instance) => wanted.includes(instance.instanceId);
    } else if (key.startsWith('tag:')) {
      const tag = key.slice(4);
      matches = (instance) => wanted.includes(instance.tags[tag] ?? '\u0000');
    } else if (key === 'tag-key') {
      matches = (instance) => wanted.some((tag) => Object.hasOwn(instance.tags, tag));
    } else {
      throw new SsmApiError('InvalidParameters', `Target key ${key} is not supported.`);
    }
    // Several keys are ANDed, several values of one key ORed.
    selected = (selected ?? context.fleet.instances()).filter(matches);
  }
  return (selected ?? [])
    .filter((instance) => instance.pingStatus !== 'Inactive')
    .map((i) => i.instanceId);
}

export function createOperations(context: ApiContext): Record<string, Operation> {
  const { engine, fleet, documents } = context;

  const catalog = {
    documents,
    instances: () => fleet.instances(),
    faults: context.faults,
    accountId: context.accountId,
    region: context.region,
    startedAt: context.startedAt,
    clock: context.clock,
  };
  const findDocument = (name: string, version?: string) =>
    findCatalogDocument(catalog, name, version);

  function findCommand(commandId: string): CommandRecord {
    const command = engine.commands.get(commandId);
    if (command === undefined) throw new SsmApiError('InvalidCommandId', '');
    return command;
  }

  function sendCommand(input: Input) {
    const documentName = requiredString(input, 'DocumentName', 'documentName');
    checkDocumentName(documentName, 'documentName');
    const documentVersion = optionalString(input, 'DocumentVersion');
    checkDocumentVersion(documentVersion);
    const comment = optionalString(input, 'Comment') ?? '';
    if (comment.length > 100) {
      throw validationError(
        'comment',
        comment,
        'Member must have length less than or equal to 100'
      );
    }
    const timeoutSeconds = optionalInteger(input, 'TimeoutSeconds') ?? DEFAULT_TIMEOUT_SECONDS;
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
    const maxConcurrency = optionalString(input, 'MaxConcurrency') ?? '50';
    if (!MAX_CONCURRENCY.test(maxConcurrency)) {
      throw validationError(
        'maxConcurrency',
        maxConcurrency,
        'Member must satisfy regular expression pattern: ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$'
      );
    }
    const maxErrors = optionalString(input, 'MaxErrors') ?? '0';
    if (!MAX_ERRORS.test(maxErrors)) {
      throw validationError(
        'maxErrors',
        maxErrors,
        'Member must satisfy regular expression pattern: ^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$'
      );
    }
    const instanceIdsGiven = optionalStrings(input, 'InstanceIds');
    const targets = optionalList(input, 'Targets');
    if (instanceIdsGiven !== undefined && instanceIdsGiven.length > 50) {
      throw validationError(
        'instanceIds',
        instanceIdsGiven,
        'Member must have length less than or equal to 50'
      );
    }
    for (const id of instanceIdsGiven ?? []) checkInstanceId(id, 'instanceIds');
    const cloudWatchOutputConfig = cloudWatchConfig(input);
    const found = findDocument(documentName, documentVersion);
    const resolved = resolveParameters(found, input.Parameters);
    const hasIds = instanceIdsGiven !== undefined && instanceIdsGiven.length > 0;
    const hasTargets = targets !== undefined && targets.length > 0;
    if (hasIds === hasTargets) {
      throw new SsmApiError('InvalidParameters', 'Specify either InstanceIds or Targets.');
    }
    let instanceIds: string[];
    if (hasIds) {
      if (new Set(instanceIdsGiven).size !== instanceIdsGiven.length) {
        throw new SsmApiError('DuplicateInstanceId', '');
      }
      const invalid = instanceIdsGiven.filter((id) => {
        const instance = fleet.instance(id);
        return instance === undefined || instance.pingStatus === 'Inactive';
      });
      if (invalid.length > 0) {
        throw new SsmApiError(
          'InvalidInstanceId',
          `Instances [[${invalid.join(', ')}]] not in a valid state for account ${context.accountId}`
        );
      }
      instanceIds = instanceIdsGiven;
    } else {
      instanceIds = resolveTargets(context, targets ?? []);
    }
    const command = engine.send({
      documentName,
      documentVersion: documentVersion ?? '',
      comment,
      parameters: structuredClone((input.Parameters ?? {}) as Record<string, string[]>),
      resolved,
      instanceIds,
      instanceNames: new Map(instanceIds.map((id) => [id, fleet.instance(id)?.computerName ?? ''])),
      targets: targets ?? [],
      timeoutSeconds,
      executionTimeoutSeconds: found.executionTimeoutSeconds,
      maxConcurrency,
      maxErrors,
      serviceRoleArn: optionalString(input, 'ServiceRoleArn') ?? '',
      outputS3BucketName: optionalString(input, 'OutputS3BucketName') ?? '',
      outputS3KeyPrefix: optionalString(input, 'OutputS3KeyPrefix') ?? '',
      notificationConfig: notificationConfig(input),
      cloudWatchOutputConfig,
    });
    // Real SSM answers SendCommand before any invocation has been counted.
    return {
      Command: {
        ...commandShape(command),
        CompletedCount: 0,
        ErrorCount: 0,
        DeliveryTimedOutCount: 0,
      },
    };
  }

  function getCommandInvocation(input: Input) {
    const commandId = requiredString(input, 'CommandId', 'commandId');
    const instanceId = requiredString(input, 'InstanceId', 'instanceId');
    checkCommandId(commandId, 'commandId');
    checkInstanceId(instanceId, 'instanceId');
    const pluginName = optionalString(input, 'PluginName');
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
    const { stepName } = findDocument(command.documentName);
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

  function listCommands(input: Input) {
    const commandId = optionalString(input, 'CommandId');
    const instanceId = optionalString(input, 'InstanceId');
    if (commandId !== undefined) checkCommandId(commandId, 'commandId');
    if (instanceId !== undefined) checkInstanceId(instanceId, 'instanceId');
    checkMaxResults(optionalInteger(input, 'MaxResults'), 1, 50);
    const filter = commandFilter(optionalList(input, 'Filters'), COMMAND_STATUS_FILTER, true);
    if (commandId !== undefined) findCommand(commandId);
    const commands = [...engine.commands.values()]
      .filter((command) => commandId === undefined || command.commandId === commandId)
      .filter((command) => instanceId === undefined || command.instanceIds.includes(instanceId))
      .filter((command) => filter(command, command.status, command.statusDetails))
      .reverse();
    const { page, next } = paginate(commands, input, 50);
    return { Commands: page.map(commandShape), ...(next ? { NextToken: next } : {}) };
  }

  function listCommandInvocations(input: Input) {
    const commandId = optionalString(input, 'CommandId');
    const instanceId = optionalString(input, 'InstanceId');
    if (commandId !== undefined) checkCommandId(commandId, 'commandId');
    if (instanceId !== undefined) checkInstanceId(instanceId, 'instanceId');
    checkMaxResults(optionalInteger(input, 'MaxResults'), 1, 50);
    const filter = commandFilter(optionalList(input, 'Filters'), INVOCATION_STATUS_FILTER, false);
    const details = input.Details === true;
    const rows: { command: CommandRecord; invocation: Invocation }[] = [];
    for (const command of [...engine.commands.values()].reverse()) {
      if (commandId !== undefined && command.commandId !== commandId) continue;
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
        CommandPlugins: details
          ? [
              {
                Name: findDocument(command.documentName).stepName,
                Status: pluginStatus(invocation),
                StatusDetails: invocation.statusDetails,
                ResponseCode: invocation.responseCode,
                ...(invocation.startedAt
                  ? { ResponseStartDateTime: epochSeconds(invocation.startedAt) }
                  : {}),
                ...(invocation.endedAt
                  ? { ResponseFinishDateTime: epochSeconds(invocation.endedAt) }
                  : {}),
                Output: hasOutput(invocation)
                  ? truncatePluginOutput(invocation.stdout, invocation.stderr)
                  : '',
                StandardOutputUrl: '',
                StandardErrorUrl: '',
                OutputS3Region: '',
                OutputS3BucketName: command.outputS3BucketName,
                OutputS3KeyPrefix: command.outputS3KeyPrefix,
              },
            ]
          : [],
        ServiceRole: command.serviceRoleArn,
        NotificationConfig: command.notificationConfig,
        CloudWatchOutputConfig: command.cloudWatchOutputConfig,
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  function cancelCommand(input: Input) {
    const commandId = requiredString(input, 'CommandId', 'commandId');
    checkCommandId(commandId, 'commandId');
    const instanceIds = optionalStrings(input, 'InstanceIds');
    if (instanceIds !== undefined && instanceIds.length > 50) {
      throw validationError(
        'instanceIds',
        instanceIds,
        'Member must have length less than or equal to 50'
      );
    }
    for (const id of instanceIds ?? []) checkInstanceId(id, 'instanceIds');
    if (instanceIds !== undefined && new Set(instanceIds).size !== instanceIds.length) {
      throw new SsmApiError('DuplicateInstanceId', '');
    }
    const command = findCommand(commandId);
    const unknown = (instanceIds ?? []).filter((id) => !command.invocations.has(id));
    if (unknown.length > 0) throw new SsmApiError('InvalidInstanceId', '');
    engine.cancel(command, instanceIds);
    return {};
  }

  function describeInstanceInformation(input: Input) {
    const legacy = optionalList(input, 'InstanceInformationFilterList');
    const filters = optionalList(input, 'Filters');
    if (legacy !== undefined && filters !== undefined) {
      throw new SsmApiError(
        'InvalidInstanceInformationFilterValue',
        'InstanceInformationFilterList and Filters cannot be used together.'
      );
    }
    checkMaxResults(optionalInteger(input, 'MaxResults'), 5, 50);
    const faults = context.faults();
    const pingOf = (instance: FleetInstance) => pingStatusOf(faults, instance);
    const conditions = [
      ...(legacy ?? []).map((filter) => ({ key: filter.key, values: filter.valueSet })),
      ...(filters ?? []).map((filter) => ({ key: filter.Key, values: filter.Values })),
    ].map(({ key, values }) => {
      if (typeof key !== 'string' || !Array.isArray(values) || values.length === 0) {
        throw serialization('A filter needs a key and at least one value.');
      }
      const wanted = values.map(String);
      if (key === 'InstanceIds') {
        for (const id of wanted) {
          if (fleet.instance(id) === undefined) throw new SsmApiError('InvalidInstanceId', '');
        }
        return (instance: FleetInstance) => wanted.includes(instance.instanceId);
      }
      if (key === 'PingStatus') {
        const valid = ['Online', 'ConnectionLost', 'Inactive'];
        if (!wanted.every((value) => valid.includes(value))) {
          throw new SsmApiError(
            'InvalidInstanceInformationFilterValue',
            "The specified filter value isn't valid."
          );
        }
        return (instance: FleetInstance) => wanted.includes(pingOf(instance));
      }
      if (key === 'PlatformTypes')
        return (instance: FleetInstance) => wanted.includes(instance.platformType);
      if (key === 'AgentVersion')
        return (instance: FleetInstance) => wanted.includes(instance.agentVersion);
      if (key === 'ResourceType') {
        return (instance: FleetInstance) => wanted.includes(resourceType(instance.instanceId));
      }
      if (key === 'tag-key') {
        return (instance: FleetInstance) => wanted.some((tag) => Object.hasOwn(instance.tags, tag));
      }
      if (key === 'AssociationStatus') {
        return associationStatusFilter(
          wanted,
          () =>
            new SsmApiError(
              'InvalidInstanceInformationFilterValue',
              "The specified filter value isn't valid."
            )
        );
      }
      if (filters !== undefined && key.startsWith('tag:')) {
        const tag = key.slice(4);
        return (instance: FleetInstance) =>
          Object.hasOwn(instance.tags, tag) && wanted.includes(instance.tags[tag] ?? '');
      }
      throw new SsmApiError('InvalidFilterKey', `The filter key ${key} isn't valid.`);
    });
    const matching = fleet
      .instances()
      .filter((instance) => conditions.every((matches) => matches(instance)));
    const { page, next } = paginate(matching, input, 10);
    const now = context.clock().getTime();
    return {
      InstanceInformationList: page.map((instance) => {
        const ping = pingOf(instance);
        return {
          InstanceId: instance.instanceId,
          PingStatus: ping,
          LastPingDateTime: (ping === 'Online' ? now : context.startedAt.getTime()) / 1000,
          AgentVersion: instance.agentVersion,
          IsLatestVersion: false,
          PlatformType: instance.platformType,
          PlatformName: instance.platformName,
          PlatformVersion: instance.platformVersion,
          ResourceType: resourceType(instance.instanceId),
          IPAddress: instance.ipAddress,
          ComputerName: instance.computerName,
          SourceId: instance.instanceId,
          SourceType: instance.instanceId.startsWith('mi-')
            ? 'AWS::SSM::ManagedInstance'
            : 'AWS::EC2::Instance',
        };
      }),
      ...(next ? { NextToken: next } : {}),
    };
  }

  function describeDocumentOperation(input: Input) {
    const name = requiredString(input, 'Name', 'name');
    checkDocumentName(name, 'name');
    const version = optionalString(input, 'DocumentVersion');
    checkDocumentVersion(version);
    const found = findDocument(name, version);
    return { Document: describeDocument(found, context.accountId, context.startedAt) };
  }

  return {
    ...createCatalogOperations(catalog),
    SendCommand: sendCommand,
    GetCommandInvocation: getCommandInvocation,
    ListCommands: listCommands,
    ListCommandInvocations: listCommandInvocations,
    CancelCommand: cancelCommand,
    DescribeInstanceInformation: describeInstanceInformation,
    DescribeDocument: describeDocumentOperation,
  };
}

function resourceType(instanceId: string): string {
  return instanceId.startsWith('mi-') ? 'ManagedInstance' : 'EC2Instance';
}
