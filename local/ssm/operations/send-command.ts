import { INSTANCE_ID_PATTERN } from '../../../lib/contract.js';
import type { FleetInstance } from '../../fleet/types.js';
import { checkDocumentName, checkDocumentVersion } from '../catalog.js';
import { resolveParameters } from '../document.js';
import type { CommandRecord } from '../engine.js';
import { SsmApiError, validationError } from '../errors.js';
import {
  type Input,
  optionalInteger,
  optionalList,
  optionalString,
  optionalStrings,
  requiredString,
  serialization,
} from '../input.js';
import type { OperationContext } from './context.js';
import { commandShape } from './list-commands.js';
import {
  checkComment,
  checkInstanceIds,
  checkMaxConcurrency,
  checkMaxErrors,
  checkTimeoutSeconds,
} from './validation.js';

const DEFAULT_TIMEOUT_SECONDS = 3600;

export function sendCommand(context: OperationContext, input: Input) {
  const { engine, fleet } = context;
  const documentName = requiredString(input, 'DocumentName', 'documentName');
  checkDocumentName(documentName, 'documentName');
  const documentVersion = optionalString(input, 'DocumentVersion');
  checkDocumentVersion(documentVersion);
  const comment = optionalString(input, 'Comment') ?? '';
  checkComment(comment);
  const timeoutSeconds = optionalInteger(input, 'TimeoutSeconds') ?? DEFAULT_TIMEOUT_SECONDS;
  checkTimeoutSeconds(timeoutSeconds);
  const maxConcurrency = optionalString(input, 'MaxConcurrency') ?? '50';
  checkMaxConcurrency(maxConcurrency);
  const maxErrors = optionalString(input, 'MaxErrors') ?? '0';
  checkMaxErrors(maxErrors);
  const instanceIdsGiven = optionalStrings(input, 'InstanceIds');
  const targets = optionalList(input, 'Targets');
  checkInstanceIds(instanceIdsGiven);
  const cloudWatchOutputConfig = cloudWatchConfig(input);
  const found = context.findDocument(documentName, documentVersion);
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

function resolveTargets(context: OperationContext, targets: Input[]): string[] {
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
      const notIds = wanted.filter((value) => !INSTANCE_ID_PATTERN.test(value));
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
