import { CfnOutput, Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  API_ROUTES,
  API_SCOPE_DESCRIPTIONS,
  type ApiScopeName,
  type ApiThrottle,
  RESOURCE_SERVER_ID,
} from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

/** The HTTP API, its Cognito user pool and app clients (in the stack's own scope: ids unchanged). */

export type { ApiThrottle };

/**
 * One Cognito app client per duty, each with only the scopes that duty needs: one client holding
 * every scope would make the scopes decoration. Every duty may read (to follow its own actions).
 */
export const API_CLIENTS = {
  /** Dashboards, audits, reporting. */
  ReadOnly: ['read'],
  /** The help desk's ticket system: disconnect, notify, log off, end a stuck remote shell. */
  HelpDesk: ['read', 'act', 'logoff', 'shells'],
  /** File-service tooling: end SMB sessions, close open files. */
  FileService: ['read', 'files'],
  /** Escalations that must act on an excluded account (each request still says so). */
  HelpDeskOverride: ['read', 'act', 'logoff', 'override'],
} as const satisfies Record<string, readonly ApiScopeName[]>;

const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  clientId: '$context.authorizer.claims.client_id',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  latencyMs: '$context.responseLatency',
} as const;

export function createCognito(
  stack: Stack,
  domainPrefix: string,
  removalPolicy: RemovalPolicy
): { pool: UserPool; authorizer: IHttpRouteAuthorizer } {
  const pool = new UserPool(stack, 'Clients', {
    selfSignUpEnabled: false,
    // Nobody signs in here; the settings below only matter if someone adds users by hand.
    mfa: Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    passwordPolicy: {
      minLength: 14,
      requireDigits: true,
      requireLowercase: true,
      requireUppercase: true,
      requireSymbols: true,
    },
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy,
  });
  const noUsers =
    'The pool has no users: ticket systems use the client-credentials grant, to which ' +
    'threat protection (Plus feature plan) does not apply.';
  Validations.of(pool).acknowledge({ id: 'AwsSolutions-COG8', reason: noUsers });
  const scopes = Object.fromEntries(
    Object.entries(API_SCOPE_DESCRIPTIONS).map(([name, scopeDescription]) => [
      name,
      new ResourceServerScope({ scopeName: name, scopeDescription }),
    ])
  ) as Record<ApiScopeName, ResourceServerScope>;
  const server = new UserPoolResourceServer(stack, 'ApiResourceServer', {
    userPool: pool,
    identifier: RESOURCE_SERVER_ID,
    scopes: Object.values(scopes),
  });
  const domain = pool.addDomain('TokenDomain', { cognitoDomain: { domainPrefix } });
  const clients: UserPoolClient[] = Object.entries(API_CLIENTS).map(([duty, granted]) => {
    const client = pool.addClient(duty, {
      generateSecret: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      oAuth: {
        flows: { clientCredentials: true },
        scopes: granted.map((name) => OAuthScope.resourceServer(server, scopes[name])),
      },
    });
    new CfnOutput(stack, `${duty}ClientId`, { value: client.userPoolClientId });
    return client;
  });
  new CfnOutput(stack, 'TokenUrl', { value: `${domain.baseUrl()}/oauth2/token` });
  new CfnOutput(stack, 'UserPoolId', { value: pool.userPoolId });
  return {
    pool,
    authorizer: new HttpUserPoolAuthorizer('Cognito', pool, { userPoolClients: clients }),
  };
}

export function createApi(
  stack: Stack,
  fn: JanitorFunction,
  authorizer: IHttpRouteAuthorizer,
  throttle: ApiThrottle,
  logRetention: RetentionDays,
  removalPolicy: RemovalPolicy
): HttpApi {
  const httpApi = new HttpApi(stack, 'HttpApi', {
    description: 'session-janitor: ticket-driven actions on Windows hosts',
    createDefaultStage: false,
    defaultAuthorizer: authorizer,
  });
  const accessLogs = new LogGroup(stack, 'ApiAccessLogs', {
    retention: logRetention,
    removalPolicy,
  });
  new HttpStage(stack, 'ApiStage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    detailedMetricsEnabled: true,
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogs),
      // JSON that Logs Insights can filter on; the caller's client id matters for an audit.
      format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
    },
  });

  const integration = new HttpLambdaIntegration('ApiIntegration', fn.function);
  // The function's own route table: the gateway lets in exactly what the function serves.
  for (const route of API_ROUTES) {
    httpApi.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration,
      authorizationScopes: [...route.scopes],
    });
  }
  return httpApi;
}
