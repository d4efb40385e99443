import { readFileSync } from 'node:fs';
import type { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readContextSettings } from '../../cdk/config.js';
import { WATCHER_DOCUMENT_PATH } from '../../cdk/constructs/host-events.js';
import { SessionJanitorStack } from '../../cdk/session-janitor-stack.js';
import { fastApp, type Json, render, synthStack } from './synth.js';

const HOST_ROLES = [
  'arn:aws:iam::123456789012:role/rds-session-hosts',
  'arn:aws:iam::123456789012:role/service-role/hybrid-activation',
];

describe('events in from the hosts', () => {
  const { stack, template, logicalId } = synthStack({ hostRoleArns: HOST_ROLES });
  const resources: Record<string, { Type: string; Properties: Record<string, Json> }> =
    template.toJSON().Resources;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const bus = logicalId(stack.bus);
  const functionRoles = Object.values(stack.functions).map(
    (fn) => `<${stack.getLogicalId(fn.function.role?.node.defaultChild as CfnResource)}.Arn>`
  );

  it('creates the SessionJanitor-InstallWatcher document from cdk/document/', () => {
    const documents = ofType('AWS::SSM::Document').filter(
      (d) => d.Properties.Name === 'SessionJanitor-InstallWatcher'
    );
    expect(documents).toHaveLength(1);
    expect(documents[0]?.Properties).toMatchObject({
      DocumentType: 'Command',
      UpdateMethod: 'NewVersion',
      Content: JSON.parse(readFileSync(WATCHER_DOCUMENT_PATH, 'utf8')),
    });
  });

  it('associates it with every host carrying the managed tag: install, daily, the latest version, with the bus ARN', () => {
    const [association] = ofType('AWS::SSM::Association');
    expect(ofType('AWS::SSM::Association')).toHaveLength(1);
    expect(render(association?.Properties ?? null)).toEqual({
      Name: 'SessionJanitor-InstallWatcher',
      AssociationName: 'session-janitor-watcher',
      DocumentVersion: '$LATEST',
      Targets: [{ Key: 'tag:session-janitor:managed', Values: ['true'] }],
      Parameters: { Action: ['Install'], EventBusArn: [`<${bus}.Arn>`] },
      ScheduleExpression: 'rate(1 day)',
      MaxConcurrency: '10%',
      MaxErrors: '10%',
      ComplianceSeverity: 'MEDIUM',
    });
  });

  it('rolls the watcher back with watcher: remove, on the configured managed tag', () => {
    const removed = synthStack({
      watcher: 'remove',
      managedTagKey: 'fleet:janitor',
      managedTagValue: 'yes',
    });
    removed.template.hasResourceProperties('AWS::SSM::Association', {
      Targets: [{ Key: 'tag:fleet:janitor', Values: ['yes'] }],
      Parameters: {
        Action: ['Remove'],
        EventBusArn: [{ 'Fn::GetAtt': [removed.logicalId(removed.stack.bus), 'Arn'] }],
      },
    });
  });

  it("gives the hosts' roles a managed policy: events:PutEvents on the one bus, for the host source only", () => {
    const [policy] = ofType('AWS::IAM::ManagedPolicy');
    expect(ofType('AWS::IAM::ManagedPolicy')).toHaveLength(1);
    expect(render(policy?.Properties.PolicyDocument ?? null)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PutSessionIdleEvents',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: `<${bus}.Arn>`,
          Condition: { StringEquals: { 'events:source': 'session-janitor.host' } },
        },
      ],
    });
    expect(template.toJSON().Outputs.HostEventsPolicyArn.Value).toEqual({
      Ref: logicalId(stack.hostEventsPolicy),
    });
  });

  it("refuses PutEvents on the bus to every principal but the hosts' roles and the four functions", () => {
    const policies = ofType('AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    expect(render(policies[0]?.Properties ?? null)).toMatchObject({
      EventBusName: `<${bus}>`,
      Statement: {
        // CDK writes the statement id as the bus policy's StatementId, prefixed.
        Sid: 'cdk-OnlyHostsAndTheFunctionsPut',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: `<${bus}.Arn>`,
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': [...HOST_ROLES, ...functionRoles] },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    });
    expect(functionRoles).toHaveLength(4);
  });

  it('moves the Session Idle rule to the dedicated bus: nothing on the default bus reaches idle-event', () => {
    const idle = ofType('AWS::Events::Rule').filter((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('Session Idle')
    );
    expect(idle).toHaveLength(1);
    expect(render(idle[0]?.Properties ?? null)).toMatchObject({
      EventBusName: `<${bus}>`,
      EventPattern: { source: ['session-janitor.host'], 'detail-type': ['Session Idle'] },
      Targets: [
        {
          Arn: `<${logicalId(stack.functions.idleEvent.function)}.Arn>`,
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
        },
      ],
    });
  });

  it('is cdk-nag clean', () => {
    const app = fastApp({ 'session-janitor:hostRoleArns': JSON.stringify(HOST_ROLES) });
    new SessionJanitorStack(app, 'Hosts', readContextSettings(app.node));
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      expect(pack.validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
    }
  });
});

describe('without hostRoleArns', () => {
  const { stack, template } = synthStack();

  it('admits only the functions to the bus, and says so at synth', () => {
    const [policy] = Object.values(
      template.findResources('AWS::Events::EventBusPolicy') as Record<string, { Properties: Json }>
    );
    const condition = render(policy?.Properties ?? null) as {
      Statement: { Condition: { ArnNotLike: { 'aws:PrincipalArn': string[] } } };
    };
    expect(condition.Statement.Condition.ArnNotLike['aws:PrincipalArn']).toHaveLength(4);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('hostRoleArns is empty: the bus refuses every host')
    );
  });

  it('refuses hostRoleArns that are not role ARNs and an unknown watcher action, naming the key', () => {
    for (const [key, value] of [
      ['hostRoleArns', '["arn:aws:iam::123456789012:user/alice"]'],
      ['hostRoleArns', '"arn:aws:iam::123456789012:role/x"'],
      ['watcher', 'uninstall'],
    ] as const) {
      const app = fastApp({ [`session-janitor:${key}`]: value });
      expect(() => readContextSettings(app.node)).toThrow(new RegExp(`session-janitor:${key}`));
    }
    expect(Template.fromStack(stack).toJSON().Outputs.WatcherAssociationId).toBeDefined();
  });
});
