import {
  DescribeInstanceInformationCommand,
  type InstanceInformationStringFilter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { DispatchError, errorMessageOf, errorNameOf, SsmServiceError } from '../ssm/errors.js';
import { type RetryPolicy, withRetry } from '../ssm/retry.js';

export interface HostGroupDeps {
  ssm: SSMClient;
  retry?: Partial<RetryPolicy>;
}

/**
 * The policy group of one instance: the first of `groups` whose tag value it carries, or `null`.
 * DescribeInstanceInformation returns no tags, so the tag is asked for as a filter: one query for
 * "any named group", then one per group until it matches.
 */
export async function findHostGroup(
  deps: HostGroupDeps,
  instanceId: string,
  tagKey: string,
  groups: readonly string[]
): Promise<string | null> {
  if (groups.length === 0) return null;
  const matches = async (values: readonly string[]) => {
    const filters: InstanceInformationStringFilter[] = [
      { Key: 'InstanceIds', Values: [instanceId] },
      { Key: `tag:${tagKey}`, Values: [...values] },
    ];
    try {
      const output = await withRetry(
        () => deps.ssm.send(new DescribeInstanceInformationCommand({ Filters: filters })),
        {
          operation: 'DescribeInstanceInformation',
          retryTransient: true,
          ...(deps.retry ? { policy: deps.retry } : {}),
        }
      );
      return (output.InstanceInformationList ?? []).some((i) => i.InstanceId === instanceId);
    } catch (error) {
      if (error instanceof DispatchError) throw error;
      throw new SsmServiceError(
        'DescribeInstanceInformation',
        errorNameOf(error),
        errorMessageOf(error),
        { cause: error }
      );
    }
  };
  // DescribeInstanceInformation takes at most 5 values per tag filter.
  let any = false;
  for (let i = 0; i < groups.length && !any; i += 5) any = await matches(groups.slice(i, i + 5));
  if (!any) return null;
  for (const group of groups) {
    if (await matches([group])) return group;
  }
  return null;
}
