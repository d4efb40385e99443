import { type Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { JanitorFunction } from './lambda-function.js';
import { nagPseudo } from './nag-names.js';

/** What a function may do with SSM beyond sending the read-only document. */
export interface SsmNeeds {
  /** May send the operate document (every operation); otherwise only the read-only one. */
  readonly acts: boolean;
  readonly describeInstances: boolean;
  readonly readInvocations: boolean;
  /** ListCommands: whether an action left `planned` was sent after all (recovery, reconcile). */
  readonly listCommands: boolean;
}

export function grantSsm(
  stack: Stack,
  fn: JanitorFunction,
  documentArns: { operate: string; read: string },
  tag: { managedTagKey: string; managedTagValue: string },
  needs: SsmNeeds
): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: needs.acts ? 'SendDocuments' : 'SendReadDocument',
      actions: ['ssm:SendCommand'],
      // IAM cannot look at a command's parameters: whoever may send the operate document may
      // log anyone off, so only the functions that act get it.
      resources: needs.acts ? [documentArns.operate, documentArns.read] : [documentArns.read],
    })
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: 'SendToManagedHosts',
      actions: ['ssm:SendCommand'],
      resources: [
        stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
        stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
      ],
      conditions: {
        StringEquals: { [`ssm:resourceTag/${tag.managedTagKey}`]: tag.managedTagValue },
      },
    })
  );
  const { partition, region, account } = nagPseudo(stack);
  const arnPrefix = `arn:${partition}`;
  const where = `${region}:${account}`;
  Validations.of(fn).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::${arnPrefix}:ec2:${where}:instance/*]`,
      reason:
        'SendCommand may target any instance of this account and region, but only while it ' +
        'carries the managed tag (ssm:resourceTag condition on the same statement).',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${arnPrefix}:ssm:${where}:managed-instance/*]`,
      reason:
        'SendCommand may target any hybrid node of this account and region, but only while it ' +
        'carries the managed tag (ssm:resourceTag condition on the same statement).',
    }
  );
  const reads = [
    ...(needs.describeInstances ? ['ssm:DescribeInstanceInformation'] : []),
    ...(needs.readInvocations ? ['ssm:GetCommandInvocation'] : []),
    ...(needs.listCommands ? ['ssm:ListCommands'] : []),
  ];
  if (reads.length > 0) {
    // None of these supports resource-level permissions: '*' is the narrowest resource.
    fn.addToRolePolicy(
      new PolicyStatement({ sid: 'SsmReadOnly', actions: reads, resources: ['*'] })
    );
  }
}
