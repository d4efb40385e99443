import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_PATH } from '../../cdk/session-janitor-stack.js';
import { type Json, render, synthStack } from './synth.js';

const { stack, template, logicalId } = synthStack();
// The template as CDK types it: JSON whose shape each assertion states.
type TemplateJson = ReturnType<typeof template.toJSON>;
const resources: Record<string, TemplateJson> = template.toJSON().Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('ledger table', () => {
  it('is on-demand, encrypted, point-in-time recoverable, with TTL on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is retained and deletion-protected by default', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

const functionIds = {
  sweep: logicalId(stack.functions.sweep.function),
  commandStatus: logicalId(stack.functions.commandStatus.function),
  idleEvent: logicalId(stack.functions.idleEvent.function),
  api: logicalId(stack.functions.api.function),
};

describe('functions', () => {
  it.each([
    ['sweep', 512, 120],
    ['commandStatus', 512, 60],
    ['idleEvent', 256, 30],
    ['api', 512, 29],
  ] as const)(
    '%s runs Node 22 on ARM64 with %i MB, %i s, tracing and its own log group',
    (name, memory, timeout) => {
      const fn = resources[functionIds[name]];
      expect(fn?.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: ref(logicalId(stack.functions[name].logGroup)) },
      });
      expect(resources[logicalId(stack.functions[name].logGroup)]?.Properties).toEqual({
        RetentionInDays: 90,
      });
    }
  );

  it('passes every function the configuration lib/config/env.ts reads', () => {
    const documentTimeout = Math.max(
      ...JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')).mainSteps.map(
        (step: { inputs: { timeoutSeconds?: string } }) =>
          Number(step.inputs.timeoutSeconds ?? 3600)
      )
    );
    for (const id of Object.values(functionIds)) {
      expect(resources[id]?.Properties.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'session-janitor',
        POWERTOOLS_METRICS_NAMESPACE: 'SessionJanitor',
        TABLE_NAME: ref(logicalId(stack.table)),
        DOCUMENT_NAME: 'SessionJanitor-Operate',
        READ_DOCUMENT_NAME: 'SessionJanitor-Read',
        MANAGED_TAG_KEY: 'session-janitor:managed',
        MANAGED_TAG_VALUE: 'true',
        POLICY_GROUP_TAG_KEY: 'session-janitor:policy-group',
        RETENTION_DAYS: '400',
        DELIVERY_TIMEOUT_SECONDS: '600',
        EXECUTION_TIMEOUT_SECONDS: String(documentTimeout),
        SSM_OUTPUT_LOG_GROUP: { Ref: expect.stringMatching(/^CommandOutput/) },
      });
      // No policy configured: the functions fall back to the built-in one that acts on nothing.
      expect(resources[id]?.Properties.Environment.Variables.POLICY).toBeUndefined();
    }
    expect(resources[functionIds.api]?.Properties.Environment.Variables.HOST_QUERY_TIMEOUT_MS).toBe(
      '20000'
    );
    expect(resources[functionIds.idleEvent]?.Properties.Environment.Variables).toMatchObject({
      IDLE_EVENT_CHECKS_PER_HOST: '20',
      IDLE_EVENT_CHECK_WINDOW_MINUTES: '1',
    });
  });

  it('gives idle-event the configured limit of idle checks per host', () => {
    const limited = synthStack({ idleEventChecksPerHost: 3, idleEventCheckWindowMinutes: 10 });
    const fn =
      limited.template.toJSON().Resources[
        limited.logicalId(limited.stack.functions.idleEvent.function)
      ];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      IDLE_EVENT_CHECKS_PER_HOST: '3',
      IDLE_EVENT_CHECK_WINDOW_MINUTES: '10',
    });
  });

  it('sends failed asynchronous invocations of sweep and idle-event to the failed-events queue', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(configs).toHaveLength(2);
    for (const [name, maxAge] of [
      ['sweep', 1800],
      ['idleEvent', 900],
    ] as const) {
      expect(configs).toContainEqual({
        FunctionName: ref(functionIds[name]),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: maxAge,
        DestinationConfig: {
          OnFailure: { Destination: arnOf(logicalId(stack.failedEventsQueue)) },
        },
      });
    }
  });
});

describe('triggers', () => {
  it('starts the sweep on the configured schedule, dead-lettering undeliverable runs', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: arnOf(functionIds.sweep),
        DeadLetterConfig: { Arn: arnOf(logicalId(stack.failedEventsQueue)) },
        RetryPolicy: { MaximumEventAgeInSeconds: 1800, MaximumRetryAttempts: 2 },
      }),
    });
  });

  it('names each sweep by its scheduled time, so a retried attempt is the same sweep', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
    const input = JSON.parse(String(schedule?.Properties.Target.Input));
    expect(input).toEqual({
      scheduledTime: '<aws.scheduler.scheduled-time>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      executionId: '<aws.scheduler.execution-id>',
      attemptNumber: '<aws.scheduler.attempt-number>',
    });
  });

  it('routes Session Idle events from hosts to idle-event', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['session-janitor.host'], 'detail-type': ['Session Idle'] },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arnOf(functionIds.idleEvent),
          DeadLetterConfig: { Arn: arnOf(logicalId(stack.failedEventsQueue)) },
          RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 3 },
        }),
      ],
    });
  });

  it('queues invocation status changes of the two documents only, none of them intermediate', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Invocation Status-change Notification'],
        detail: {
          'document-name': ['SessionJanitor-Operate', 'SessionJanitor-Read'],
          status: [{ 'anything-but': ['Pending', 'InProgress', 'Delayed', 'Cancelling'] }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf(logicalId(stack.statusQueue)),
          DeadLetterConfig: { Arn: arnOf(logicalId(stack.failedEventsQueue)) },
        }),
      ],
    });
  });

  it('feeds command-status from the queue with bounded concurrency and partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(logicalId(stack.statusQueue)),
      FunctionName: ref(functionIds.commandStatus),
      // A many-host command's status events share a batch: one ListCommandInvocations reads them.
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

describe('queues', () => {
  it('moves a status event that fails five times to the status dead-letter queue', () => {
    const queue = resources[logicalId(stack.statusQueue)]?.Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(logicalId(stack.statusDeadLetterQueue)),
      maxReceiveCount: 5,
    });
    // Lambda asks for a visibility timeout of at least six times the consumer's timeout.
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * resources[functionIds.commandStatus]?.Properties.Timeout
    );
  });

  it('encrypts every queue and refuses requests without TLS', () => {
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('command document', () => {
  it('is SessionJanitor-Operate with the content of its data file', () => {
    template.hasResourceProperties('AWS::SSM::Document', {
      Name: 'SessionJanitor-Operate',
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
      UpdateMethod: 'NewVersion',
      Content: JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')),
    });
  });

  it('has a read-only twin: the same script and parameters, Operation limited to the listings', () => {
    const operate = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));
    const [, read] =
      ofType('AWS::SSM::Document').find(([, r]) => r.Properties.Name === 'SessionJanitor-Read') ??
      [];
    const content = read?.Properties.Content;

    expect(content.parameters.Operation.allowedValues).toEqual([
      'ListSessions',
      'ListSmbSessions',
      'ListOpenFiles',
      'ListShells',
    ]);
    expect(content.mainSteps).toEqual(operate.mainSteps);
    expect(Object.keys(content.parameters)).toEqual(Object.keys(operate.parameters));
  });

  it('sends command output to a log group with retention', () => {
    const [id, group] = ofType('AWS::Logs::LogGroup').find(([key]) =>
      key.startsWith('CommandOutput')
    ) ?? ['', undefined];
    expect(group?.Properties.RetentionInDays).toBe(90);
    expect(
      resources[functionIds.sweep]?.Properties.Environment.Variables.SSM_OUTPUT_LOG_GROUP
    ).toEqual(ref(id));
  });
});

describe('HTTP API', () => {
  const routeScopes = Object.fromEntries(
    ofType('AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties.RouteKey,
      [r.Properties.AuthorizationType, r.Properties.AuthorizationScopes],
    ])
  );

  it('requires a JWT with the scope of each route', () => {
    expect(routeScopes).toEqual({
      'POST /v1/actions': [
        'JWT',
        [
          'session-janitor/act',
          'session-janitor/logoff',
          'session-janitor/files',
          'session-janitor/shells',
        ],
      ],
      'GET /v1/actions': ['JWT', ['session-janitor/read']],
      'GET /v1/actions/{id}': ['JWT', ['session-janitor/read']],
      'GET /v1/hosts/{instanceId}/sessions': ['JWT', ['session-janitor/read']],
      'GET /v1/hosts/{instanceId}/open-files': ['JWT', ['session-janitor/read']],
      'GET /v1/hosts/{instanceId}/shells': ['JWT', ['session-janitor/read']],
      'GET /v1/hosts': ['JWT', ['session-janitor/read']],
      'GET /v1/sweeps': ['JWT', ['session-janitor/read']],
      'GET /v1/sweeps/{id}': ['JWT', ['session-janitor/read']],
    });
  });

  it('accepts tokens of its Cognito user pool issued to its app clients', () => {
    const poolId = stack.userPool ? logicalId(stack.userPool) : 'no user pool';
    const [, authorizer] = ofType('AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    const clientIds = ofType('AWS::Cognito::UserPoolClient').map(([id]) => `<${id}>`);
    // One per duty and the console's.
    expect(clientIds).toHaveLength(5);
    expect(render(authorizer?.Properties)).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: clientIds,
        Issuer: `https://cognito-idp.<AWS::Region>.amazonaws.com/<${poolId}>`,
      },
    });
  });

  it('throttles by default and writes JSON access logs to a log group with retention', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0] ?? [];
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    const logGroupId = stage?.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(90);
    const format = JSON.parse(stage?.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      clientId: '$context.authorizer.claims.client_id',
    });
  });
});

describe('Cognito', () => {
  it('defines the session-janitor resource server with the six scopes', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'session-janitor',
      Scopes: ['read', 'act', 'logoff', 'files', 'override', 'shells'].map((name) => ({
        ScopeName: name,
        ScopeDescription: Match.anyValue(),
      })),
    });
  });

  it('gives each duty its own confidential client-credentials client, with only its scopes', () => {
    const [serverId] = ofType('AWS::Cognito::UserPoolResourceServer')[0] ?? [];
    // The scope names reference the resource server, whose Ref is its identifier.
    const scopesOf = (duty: string) => {
      const [, client] =
        ofType('AWS::Cognito::UserPoolClient').find(([id]) => id.includes(duty)) ?? [];
      expect(render(client?.Properties)).toMatchObject({
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
      });
      return ((client?.Properties.AllowedOAuthScopes ?? []) as Json[]).map((s) =>
        String(render(s)).replace(`<${serverId}>/`, '')
      );
    };

    expect(scopesOf('ClientsReadOnly')).toEqual(['read']);
    expect(scopesOf('ClientsHelpDesk')).toEqual(['read', 'act', 'logoff', 'shells']);
    expect(scopesOf('ClientsFileService')).toEqual(['read', 'files']);
    expect(scopesOf('ClientsHelpDeskOverride')).toEqual(['read', 'act', 'logoff', 'override']);
    const outputs = Object.keys(template.toJSON().Outputs);
    for (const duty of ['ReadOnly', 'HelpDesk', 'FileService', 'HelpDeskOverride']) {
      expect(outputs).toContain(`${duty}ClientId`);
    }
  });

  it('lets nobody sign up and retains the pool', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
      }),
    });
  });
});

describe('alarms', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const onMetric = (name: string, dimension: object) =>
    alarms.filter(
      (a) =>
        a.MetricName === name && JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension))
    );

  it('fire on any message in either dead-letter queue', () => {
    for (const queue of [stack.statusDeadLetterQueue, stack.failedEventsQueue]) {
      const [alarm] = onMetric('ApproximateNumberOfMessagesVisible', {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] },
      });
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('fire on errors and throttles of every function', () => {
    for (const id of Object.values(functionIds)) {
      for (const metric of ['Errors', 'Throttles']) {
        const [alarm] = onMetric(metric, { Name: 'FunctionName', Value: ref(id) });
        expect(alarm, `${metric} ${id}`).toMatchObject({ Statistic: 'Sum', Threshold: 1 });
      }
    }
  });

  it('fire when actions end failed or undeliverable, whatever the operation', () => {
    const insights = alarms.filter((a) => a.Metrics?.[0]?.Expression?.startsWith('SELECT'));
    expect(insights).toHaveLength(1);
    expect(insights[0]?.Metrics[0].Expression).toBe(
      'SELECT SUM(ActionOutcome) FROM "SessionJanitor" ' +
        "WHERE outcome = 'failed' OR outcome = 'undeliverable'"
    );
    expect(insights[0]).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching' });
  });
});
