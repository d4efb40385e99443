import type { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ContextError, readContextSettings } from '../../cdk/config.js';
import { SessionJanitorStack } from '../../cdk/session-janitor-stack.js';
import { fastApp, synthStack } from './synth.js';

const webhook = {
  url: 'https://example.service-now.com/api/now/import/u_janitor_outcomes',
  secretName: 'session-janitor/servicenow',
  secretField: 'authorization',
};

describe('outcomes out', () => {
  const { stack, template, logicalId } = synthStack();

  it('creates the session-janitor bus and tells every function to publish on it', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'session-janitor' });
    const bus = logicalId(stack.bus);
    for (const fn of Object.values(stack.functions)) {
      const id = stack.getLogicalId(fn.function.node.defaultChild as CfnResource);
      expect(
        template.toJSON().Resources[id].Properties.Environment.Variables.EVENT_BUS_NAME
      ).toEqual({ Ref: bus });
    }
  });

  it('creates no API destination without ticketWebhook', () => {
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
    template.resourceCountIs('AWS::Events::Connection', 0);
  });
});

describe('ticketWebhook', () => {
  const app = fastApp({ 'session-janitor:ticketWebhook': JSON.stringify(webhook) });
  const stack = new SessionJanitorStack(app, 'Webhook', readContextSettings(app.node));
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnResource);

  it('keeps the credential in Secrets Manager: the template holds only a reference to it', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'Authorization',
          ApiKeyValue:
            '{{resolve:secretsmanager:session-janitor/servicenow:SecretString:authorization::}}',
        },
      },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: webhook.url,
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 5,
    });
  });

  it('forwards only ticket actions of its own bus, retried for a day, then to the failed-events queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(stack.bus) },
      EventPattern: {
        source: ['session-janitor'],
        'detail-type': ['Action Status-change'],
        detail: { trigger: { kind: ['api'] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TicketDestination'), 'Arn'] },
          DeadLetterConfig: {
            Arn: {
              'Fn::GetAtt': [
                id({ node: { defaultChild: stack.failedEventsQueue.node.defaultChild } }),
                'Arn',
              ],
            },
          },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
  });

  it('is cdk-nag clean', () => {
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack.validateScope(app).violations.map((v) => v.ruleName)
    );
    expect(findings).toEqual([]);
  });

  it('refuses a webhook that is not https or a secret that is not a name or ARN', () => {
    for (const bad of [
      { ...webhook, url: 'http://tickets.example.com/hook' },
      { ...webhook, secretName: 'has spaces' },
      { ...webhook, password: 'inline' },
    ]) {
      const wrong = fastApp({ 'session-janitor:ticketWebhook': JSON.stringify(bad) });
      expect(() => readContextSettings(wrong.node)).toThrow(ContextError);
    }
  });
});
