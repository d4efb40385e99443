import {
  DescribeInstanceInformationCommand,
  type InstanceInformation,
  type InstanceInformationStringFilter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { INSTANCE_ID_PATTERN } from '../contract.js';
import { callSsm, callSsmPages } from './call.js';
import { InvalidRequestError, SsmServiceError } from './errors.js';
import type { RetryPolicy } from './retry.js';

export const PING_STATUSES = ['Online', 'ConnectionLost', 'Inactive'] as const;
export type PingStatus = (typeof PING_STATUSES)[number];

export interface InstancesDeps {
  ssm: SSMClient;
  retry?: Partial<RetryPolicy>;
}

export interface ManagedInstance {
  instanceId: string;
  pingStatus: string;
  platformType: string;
  platformName: string | null;
  computerName: string | null;
  agentVersion: string | null;
  /** ISO 8601 UTC, when SSM last heard from the agent. */
  lastPingAt: string | null;
}

export interface ListManagedRequest {
  tagKey: string;
  tagValue: string;
  /** More `tag:<key>` filters, ANDed (e.g. the policy-group tag). */
  extraTagFilters?: readonly { key: string; values: readonly string[] }[];
  /** @default ['Online'] — an instance whose agent is not connected cannot run anything now. */
  pingStatus?: readonly PingStatus[];
}

const PAGE_SIZE = 50;

function toManaged(info: InstanceInformation): ManagedInstance | null {
  if (!info.InstanceId) return null;
  return {
    instanceId: info.InstanceId,
    pingStatus: info.PingStatus ?? 'Unknown',
    platformType: info.PlatformType ?? 'Unknown',
    platformName: info.PlatformName ?? null,
    computerName: info.ComputerName ?? null,
    agentVersion: info.AgentVersion ?? null,
    lastPingAt: info.LastPingDateTime ? info.LastPingDateTime.toISOString() : null,
  };
}

function assertTag(field: string, value: string): void {
  if (value.length < 1 || value.length > 256) {
    throw new InvalidRequestError(field, `${field} must be 1–256 characters`);
  }
}

/** Every instance DescribeInstanceInformation lists under `filters`, across all its pages. */
function describeAll(
  deps: InstancesDeps,
  filters: InstanceInformationStringFilter[]
): Promise<InstanceInformation[]> {
  return callSsmPages(
    'DescribeInstanceInformation',
    (nextToken) =>
      deps.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: filters,
          MaxResults: PAGE_SIZE,
          NextToken: nextToken,
        })
      ),
    (output) => output.InstanceInformationList,
    { retry: deps.retry, retryTransient: true }
  );
}

/**
 * Every Windows instance carrying the managed tag (and the extra tags), in the given ping states,
 * across all pages of DescribeInstanceInformation. The platform is checked again client-side:
 * the document only runs on Windows, and a filter an endpoint ignores must not widen the target.
 */
export async function listManagedInstances(
  deps: InstancesDeps,
  request: ListManagedRequest
): Promise<ManagedInstance[]> {
  assertTag('tagKey', request.tagKey);
  assertTag('tagValue', request.tagValue);
  const pingStatus = request.pingStatus ?? ['Online'];
  if (pingStatus.length === 0) {
    throw new InvalidRequestError('pingStatus', 'pingStatus needs at least one value');
  }
  const filters: InstanceInformationStringFilter[] = [
    { Key: `tag:${request.tagKey}`, Values: [request.tagValue] },
    { Key: 'PlatformTypes', Values: ['Windows'] },
    { Key: 'PingStatus', Values: [...pingStatus] },
  ];
  for (const extra of request.extraTagFilters ?? []) {
    assertTag('extraTagFilters.key', extra.key);
    if (extra.values.length === 0) {
      throw new InvalidRequestError('extraTagFilters.values', `tag ${extra.key} needs values`);
    }
    filters.push({ Key: `tag:${extra.key}`, Values: [...extra.values] });
  }
  const wanted = new Set<string>(pingStatus);
  const seen = new Set<string>();
  const instances: ManagedInstance[] = [];
  for (const info of await describeAll(deps, filters)) {
    const instance = toManaged(info);
    if (!instance || seen.has(instance.instanceId)) continue;
    if (instance.platformType !== 'Windows' || !wanted.has(instance.pingStatus)) continue;
    seen.add(instance.instanceId);
    instances.push(instance);
  }
  return instances;
}

export interface HostDescription {
  /** SSM knows the instance (registered, not stopped or terminated). */
  found: boolean;
  /** It carries the managed tag with the managed value: session-janitor may act on it. */
  managed: boolean;
  pingStatus: string | null;
  platformType: string | null;
}

/**
 * Throws {@link InvalidRequestError} on `field` unless `value` is an instance id: what SSM would
 * refuse never reaches it, and every request checks the one rule the same way.
 */
export function assertInstanceId(field: string, value: unknown): void {
  if (typeof value !== 'string' || !INSTANCE_ID_PATTERN.test(value)) {
    throw new InvalidRequestError(field, `${JSON.stringify(value)} is not an instance id`);
  }
}

/**
 * What SSM knows of one instance, for the API: unknown (404), known but not managed (403), or
 * managed. Throws {@link InvalidRequestError} for a malformed id, so it never reaches SSM.
 */
export async function describeHost(
  deps: InstancesDeps,
  instanceId: string,
  tag: { tagKey: string; tagValue: string }
): Promise<HostDescription> {
  assertInstanceId('instanceId', instanceId);
  assertTag('tagKey', tag.tagKey);
  assertTag('tagValue', tag.tagValue);
  const byId: InstanceInformationStringFilter = { Key: 'InstanceIds', Values: [instanceId] };
  let known: InstanceInformation[];
  try {
    known = await describeAll(deps, [byId]);
  } catch (error) {
    // SSM answers an id it does not know (or the caller does not own) with InvalidInstanceId.
    if (error instanceof SsmServiceError && error.errorName === 'InvalidInstanceId') {
      return { found: false, managed: false, pingStatus: null, platformType: null };
    }
    throw error;
  }
  const info = known.find((item) => item.InstanceId === instanceId);
  if (!info) return { found: false, managed: false, pingStatus: null, platformType: null };
  const tagged = await describeAll(deps, [
    byId,
    { Key: `tag:${tag.tagKey}`, Values: [tag.tagValue] },
  ]);
  return {
    found: true,
    managed: tagged.some((item) => item.InstanceId === instanceId),
    pingStatus: info.PingStatus ?? null,
    platformType: info.PlatformType ?? null,
  };
}

/**
 * The policy group of one instance: the first of `groups` whose tag value it carries, or `null`.
 * DescribeInstanceInformation returns no tags, so the tag is asked for as a filter: one query for
 * "any named group", then one per group until it matches.
 */
export async function findHostGroup(
  deps: InstancesDeps,
  instanceId: string,
  tagKey: string,
  groups: readonly string[]
): Promise<string | null> {
  const matches = async (values: readonly string[]) =>
    (
      await describeAll(deps, [
        { Key: 'InstanceIds', Values: [instanceId] },
        { Key: `tag:${tagKey}`, Values: [...values] },
      ])
    ).some((i) => i.InstanceId === instanceId);
  // DescribeInstanceInformation takes at most 5 values per tag filter.
  let any = false;
  for (let i = 0; i < groups.length && !any; i += 5) any = await matches(groups.slice(i, i + 5));
  if (!any) return null;
  for (const group of groups) {
    if (await matches([group])) return group;
  }
  return null;
}

export interface ManagedPage {
  instances: ManagedInstance[];
  /** SSM's token for the next page; `null`: this is the last. */
  nextToken: string | null;
}

/**
 * One page of the Windows instances carrying the managed tag, in every ping state (so that hosts
 * whose agent is not connected show too). A token SSM did not issue fails with its
 * `InvalidNextToken`.
 */
export async function listManagedPage(
  deps: InstancesDeps,
  request: { tagKey: string; tagValue: string; limit: number; nextToken?: string }
): Promise<ManagedPage> {
  assertTag('tagKey', request.tagKey);
  assertTag('tagValue', request.tagValue);
  const output = await callSsm(
    'DescribeInstanceInformation',
    () =>
      deps.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [
            { Key: `tag:${request.tagKey}`, Values: [request.tagValue] },
            { Key: 'PlatformTypes', Values: ['Windows'] },
          ],
          MaxResults: request.limit,
          NextToken: request.nextToken,
        })
      ),
    { retry: deps.retry, retryTransient: true }
  );
  const instances = (output.InstanceInformationList ?? [])
    .map(toManaged)
    .filter((i): i is ManagedInstance => i !== null && i.platformType === 'Windows');
  return { instances, nextToken: output.NextToken ?? null };
}

/**
 * The named policy group of each of `instanceIds` (at most 50) that carries one: one
 * DescribeInstanceInformation per group, as it returns no tags. The rest are in none.
 */
export async function groupsOfHosts(
  deps: InstancesDeps,
  instanceIds: readonly string[],
  tagKey: string,
  groups: readonly string[]
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (instanceIds.length === 0) return found;
  for (const group of groups) {
    const tagged = await describeAll(deps, [
      { Key: 'InstanceIds', Values: [...instanceIds] },
      { Key: `tag:${tagKey}`, Values: [group] },
    ]);
    for (const info of tagged) {
      if (info.InstanceId && !found.has(info.InstanceId)) found.set(info.InstanceId, group);
    }
  }
  return found;
}
