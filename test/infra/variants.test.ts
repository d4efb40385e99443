import type { CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readContextSettings } from '../../cdk/config.js';
import { SessionJanitorStack } from '../../cdk/session-janitor-stack.js';
import { fastApp, policyStatementsOf } from './synth.js';

const policy = { version: 1, groups: { rds: { disconnectIdleMinutes: 60 } } };
const alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

// Everything configurable set away from its default, through cdk.json-style context.
const app = fastApp({
  'session-janitor:managedTagKey': 'ops:janitor',
  'session-janitor:managedTagValue': 'enabled',
  'session-janitor:policyGroupTagKey': 'ops:janitor-group',
  'session-janitor:sweepSchedule': 'cron(0/10 7-19 ? * MON-FRI *)',
  'session-janitor:policy': JSON.stringify(policy),
  'session-janitor:retentionDays': 30,
  'session-janitor:logRetentionDays': 30,
  'session-janitor:jwtIssuer': {
    issuerUrl: 'https://login.example.com/tenant/v2.0',
    audience: ['api://session-janitor'],
  },
  'session-janitor:apiThrottle': { rateLimit: 3, burstLimit: 6 },
  'session-janitor:statusConcurrency': 2,
  'session-janitor:deliveryTimeoutSeconds': 900,
  'session-janitor:retainData': false,
  'session-janitor:alarmTopicArn': alarmTopicArn,
});
const stack = new SessionJanitorStack(app, 'Configured', readContextSettings(app.node));
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources;
const all = (type: string) =>
  Object.entries(template.findResources(type)) as [string, ReturnType<typeof template.toJSON>][];

describe('a stack configured through context', () => {
  it('passes the settings to every function', () => {
    for (const fn of Object.values(stack.functions)) {
      const id = stack.getLogicalId(fn.function.node.defaultChild as CfnResource);
      expect(resources[id].Properties.Environment.Variables).toMatchObject({
        MANAGED_TAG_KEY: 'ops:janitor',
        MANAGED_TAG_VALUE: 'enabled',
        POLICY_GROUP_TAG_KEY: 'ops:janitor-group',
        POLICY: JSON.stringify(policy),
        RETENTION_DAYS: '30',
        DELIVERY_TIMEOUT_SECONDS: '900',
      });
    }
  });

  it('allows SendCommand only on hosts carrying the configured tag', () => {
    const statements = policyStatementsOf(
      template,
      stack.getLogicalId(stack.functions.api.role.node.defaultChild as CfnResource)
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'SendToManagedHosts',
        Condition: { StringEquals: { 'ssm:resourceTag/ops:janitor': 'enabled' } },
      })
    );
  });

  it('uses the configured schedule, concurrency, throttling and log retention', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/10 7-19 ? * MON-FRI *)',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: {
        DetailedMetricsEnabled: true,
        ThrottlingRateLimit: 3,
        ThrottlingBurstLimit: 6,
      },
    });
    for (const [id, group] of all('AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it('trusts the given issuer instead of creating a Cognito user pool, and has no console', () => {
    expect(stack.userPool).toBeUndefined();
    // The console signs in with the stack's own user pool (README "Deploy").
    expect(stack.console).toBeUndefined();
    for (const type of [
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolClient',
      'AWS::S3::Bucket',
      'AWS::CloudFront::Distribution',
      'Custom::CDKBucketDeployment',
    ]) {
      expect(all(type), type).toHaveLength(0);
    }
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('ConsoleUrl');
    const [[, api] = []] = all('AWS::ApiGatewayV2::Api');
    expect(api?.Properties).not.toHaveProperty('CorsConfiguration');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: 'https://login.example.com/tenant/v2.0',
        Audience: ['api://session-janitor'],
      },
    });
  });

  it('deletes the ledger and logs with the stack when data is not retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
    for (const [id, group] of all('AWS::Logs::LogGroup')) {
      expect(group.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('notifies the alarm topic from every alarm', () => {
    const alarms = all('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([alarmTopicArn]);
    }
  });

  it('still passes cdk-nag', () => {
    const violations = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap(
      (pack) => pack.validateScope(app).violations
    );
    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('a policy too large for the environment', () => {
  it('fails the synth with the size it has and the size that fits', () => {
    const big = { groups: { default: { exclude: { users: Array(400).fill('someone') } } } };
    expect(() => new SessionJanitorStack(fastApp(), 'TooBig', { policy: big })).toThrow(
      /the policy document is \d+ bytes; at most 3072 fit/
    );
  });
});
