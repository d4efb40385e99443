import type { FleetInstance } from '../../fleet/types.js';
import { associationStatusFilter, pingStatusOf, resourceType } from '../catalog.js';
import { SsmApiError } from '../errors.js';
import {
  checkMaxResults,
  type Input,
  optionalInteger,
  optionalList,
  paginate,
  serialization,
} from '../input.js';
import type { OperationContext } from './context.js';

const invalidFilterValue = () =>
  new SsmApiError(
    'InvalidInstanceInformationFilterValue',
    "The specified filter value isn't valid."
  );

export function describeInstanceInformation(context: OperationContext, input: Input) {
  const { fleet } = context;
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
      if (!wanted.every((value) => valid.includes(value))) throw invalidFilterValue();
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
    if (key === 'AssociationStatus') return associationStatusFilter(wanted, invalidFilterValue);
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
    NextToken: next,
  };
}
