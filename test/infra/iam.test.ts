import { describe, expect, it } from 'vitest';
import { type Json, policyStatementsOf, render, synthStack } from './synth.js';

const { stack, template, logicalId } = synthStack();

const ledger = `<${logicalId(stack.table)}.Arn>`;
const failedEvents = `<${logicalId(stack.failedEventsQueue)}.Arn>`;
const statusQueue = `<${logicalId(stack.statusQueue)}.Arn>`;
const account = '<AWS::Region>:<AWS::AccountId>';
const documentArn = (name: string) => `arn:<AWS::Partition>:ssm:${account}:document/${name}`;

const writeLogs = (fn: keyof typeof stack.functions) => ({
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Effect: 'Allow',
  Resource: `<${logicalId(stack.functions[fn].logGroup)}.Arn>`,
});
const tracing = {
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Effect: 'Allow',
  Resource: '*',
};
const sendFailures = {
  Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
  Effect: 'Allow',
  Resource: failedEvents,
};
const ledgerItems = {
  Sid: 'LedgerItems',
  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  Effect: 'Allow',
  Resource: ledger,
};
const ledgerIndexes = (...indexes: string[]) => ({
  Sid: 'LedgerIndexes',
  Action: 'dynamodb:Query',
  Effect: 'Allow',
  Resource:
    indexes.length === 1
      ? `${ledger}/index/${indexes[0]}`
      : indexes.map((index) => `${ledger}/index/${index}`),
});
/** Every operation, the acting ones included: only for the functions that act. */
const sendDocuments = {
  Sid: 'SendDocuments',
  Action: 'ssm:SendCommand',
  Effect: 'Allow',
  Resource: [documentArn('SessionJanitor-Operate'), documentArn('SessionJanitor-Read')],
};
/** The listings only: IAM cannot look at parameters, so looking needs its own document. */
const sendReadDocument = {
  Sid: 'SendReadDocument',
  Action: 'ssm:SendCommand',
  Effect: 'Allow',
  Resource: documentArn('SessionJanitor-Read'),
};
const sendToManagedHosts = {
  Sid: 'SendToManagedHosts',
  Action: 'ssm:SendCommand',
  Effect: 'Allow',
  Resource: [
    `arn:<AWS::Partition>:ec2:${account}:instance/*`,
    `arn:<AWS::Partition>:ssm:${account}:managed-instance/*`,
  ],
  Condition: { StringEquals: { 'ssm:resourceTag/session-janitor:managed': 'true' } },
};
/** Every function may end an action, so every function publishes outcomes, on its bus only. */
const publishOutcomes = {
  Action: 'events:PutEvents',
  Effect: 'Allow',
  Resource: `<${logicalId(stack.bus)}.Arn>`,
};
const ssmRead = (...actions: string[]) => ({
  Sid: 'SsmReadOnly',
  Action: actions.length === 1 ? actions[0] : actions,
  Effect: 'Allow',
  Resource: '*',
});

const roleOf = (fn: keyof typeof stack.functions) => logicalId(stack.functions[fn].role);

function expectExactly(roleLogicalId: string, expected: object[]): void {
  const statements = policyStatementsOf(template, roleLogicalId);
  for (const statement of expected) expect(statements).toContainEqual(statement);
  expect(statements).toHaveLength(expected.length);
}

describe('function roles', () => {
  it('lets sweep list hosts, send the read-only document to managed hosts, read invocations and query open deadlines', () => {
    expectExactly(roleOf('sweep'), [
      writeLogs('sweep'),
      publishOutcomes,
      tracing,
      sendFailures,
      ledgerItems,
      ledgerIndexes('byDeadline'),
      sendReadDocument,
      sendToManagedHosts,
      ssmRead('ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation', 'ssm:ListCommands'),
    ]);
  });

  it('lets command-status consume its queue, read invocations and send, without listing hosts', () => {
    expectExactly(roleOf('commandStatus'), [
      writeLogs('commandStatus'),
      publishOutcomes,
      tracing,
      ledgerItems,
      ledgerIndexes('byHost'),
      sendDocuments,
      sendToManagedHosts,
      ssmRead('ssm:GetCommandInvocation', 'ssm:ListCommands'),
      {
        Action: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        Effect: 'Allow',
        Resource: statusQueue,
      },
    ]);
  });

  it('lets idle-event list hosts and send the read-only document, without reading invocations', () => {
    expectExactly(roleOf('idleEvent'), [
      writeLogs('idleEvent'),
      publishOutcomes,
      tracing,
      sendFailures,
      ledgerItems,
      ledgerIndexes('byHost'),
      sendReadDocument,
      sendToManagedHosts,
      ssmRead('ssm:DescribeInstanceInformation'),
    ]);
  });

  it('lets the API list hosts, send, read invocations and query by host and ticket', () => {
    expectExactly(roleOf('api'), [
      writeLogs('api'),
      publishOutcomes,
      tracing,
      ledgerItems,
      ledgerIndexes('byHost', 'byTicket'),
      sendDocuments,
      sendToManagedHosts,
      ssmRead('ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation', 'ssm:ListCommands'),
    ]);
  });

  it('trusts only Lambda and attaches no managed policy', () => {
    for (const fn of Object.values(stack.functions)) {
      const role = template.toJSON().Resources[logicalId(fn.role)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
        },
      ]);
    }
  });
});

describe('scheduler role', () => {
  const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
  const roleId = String(schedule?.Properties.Target.RoleArn['Fn::GetAtt'][0]);

  it('may only invoke the sweep function and dead-letter to the failed-events queue', () => {
    const sweep = `<${logicalId(stack.functions.sweep.function)}.Arn>`;
    expectExactly(roleId, [
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [sweep, `${sweep}:*`] },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: failedEvents },
    ]);
  });

  it('is assumable by EventBridge Scheduler of this account only', () => {
    const role = template.toJSON().Resources[roleId];
    expect(render(role.Properties.AssumeRolePolicyDocument.Statement)).toEqual([
      {
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '<AWS::AccountId>' } },
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
      },
    ]);
  });
});

describe('all policies', () => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  const statementsOf = (list: typeof policies) =>
    list.flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]
    );
  const statements = statementsOf(policies);
  const actionsOf = (statement: Record<string, unknown>) =>
    ([] as unknown[]).concat(statement.Action).map(String);

  it('use resource "*" only for actions that support no resource-level permissions', () => {
    const unscopable = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'ssm:DescribeInstanceInformation',
      'ssm:GetCommandInvocation',
      'ssm:ListCommands',
    ]);
    const starred = statements.filter((s) => ([] as unknown[]).concat(s.Resource).includes('*'));
    expect(starred.length).toBeGreaterThan(0);
    for (const statement of starred) {
      for (const action of actionsOf(statement)) expect(unscopable).toContain(action);
    }
  });

  it("grant no wildcard actions, but CDK's own to the console's deployment provider", () => {
    // The one exemption: the role CDK makes for the console's BucketDeployment provider, whose
    // grants (s3:GetObject*, s3:List*, …) are CDK's; console.test.ts pins every statement of it,
    // cdk/constructs/console.ts acknowledges each cdk-nag finding with its reason.
    const deployer = stack.console?.deployer;
    if (!deployer) throw new Error('the default stack has a console');
    const exempt = `<${logicalId(deployer)}>`;
    const mine = policies.filter(
      (policy) => !(policy.Properties.Roles as Json[]).some((role) => render(role) === exempt)
    );
    expect(mine).toHaveLength(policies.length - 1);
    for (const statement of statementsOf(mine)) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
    }
  });

  it('allow SendCommand only on the documents and on hosts carrying the managed tag', () => {
    const sends = statements
      .filter((s) => actionsOf(s).includes('ssm:SendCommand'))
      .map((s) => render(s as Json));
    expect(sends.length).toBe(8);
    for (const send of sends) {
      expect([sendDocuments, sendReadDocument, sendToManagedHosts]).toContainEqual(send);
    }
  });

  it('never allow table-wide reads or deletes', () => {
    const dynamo = statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    for (const action of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(dynamo).not.toContain(action);
    }
  });
});
