import { CfnOutput, Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
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
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  API_ROUTES,
  API_SCOPE_DESCRIPTIONS,
  API_SCOPES,
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

/**
 * What the web console's (public, PKCE) client may ask for. Cognito gives a client's scopes to
 * every user who signs in with it, so who may act at all is who an administrator adds to the
 * pool; `override` stays with the escalation client.
 */
export const CONSOLE_SCOPES = [
  'read',
  'act',
  'logoff',
  'files',
  'shells',
] as const satisfies readonly ApiScopeName[];

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

/** The Cognito domain's base URL, known before the domain exists (the console's CSP needs it). */
export function cognitoDomainUrl(stack: Stack, domainPrefix: string): string {
  return `https://${domainPrefix}.auth.${stack.region}.amazoncognito.com`;
}

export interface Cognito {
  pool: UserPool;
  domain: UserPoolDomain;
  authorizer: IHttpRouteAuthorizer;
  /** The console's client, when there is a console. */
  console: { client: UserPoolClient; scopes: string[] } | undefined;
}

export function createCognito(
  stack: Stack,
  domainPrefix: string,
  removalPolicy: RemovalPolicy,
  consoleOrigin: string | undefined
): Cognito {
  const pool = new UserPool(stack, 'Clients', {
    selfSignUpEnabled: false,
    // Console users are added by an administrator (README "Deploy"); machines use clients.
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
  Validations.of(pool).acknowledge({
    id: 'AwsSolutions-COG8',
    reason:
      'Users are operators an administrator adds (no self sign-up, MFA required, 14-character ' +
      'passwords); threat protection needs the Plus feature plan, a cost each deployer may choose.',
  });
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
  let consoleClient: Cognito['console'];
  if (consoleOrigin !== undefined) {
    // A browser keeps no secret: the authorization-code grant, which the console always runs
    // with a PKCE S256 challenge (console/src/auth.ts), back to the console's own origin.
    const client = pool.addClient('Console', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: CONSOLE_SCOPES.map((name) => OAuthScope.resourceServer(server, scopes[name])),
        callbackUrls: [`${consoleOrigin}/`],
        logoutUrls: [`${consoleOrigin}/`],
      },
    });
    clients.push(client);
    consoleClient = { client, scopes: CONSOLE_SCOPES.map((name) => API_SCOPES[name]) };
    new CfnOutput(stack, 'ConsoleClientId', { value: client.userPoolClientId });
  }
  new CfnOutput(stack, 'TokenUrl', { value: `${domain.baseUrl()}/oauth2/token` });
  new CfnOutput(stack, 'UserPoolId', { value: pool.userPoolId });
  return {
    pool,
    domain,
    authorizer: new HttpUserPoolAuthorizer('Cognito', pool, { userPoolClients: clients }),
    console: consoleClient,
  };
}

export function createApi(
  stack: Stack,
  fn: JanitorFunction,
  authorizer: IHttpRouteAuthorizer,
  throttle: ApiThrottle,
  logRetention: RetentionDays,
  removalPolicy: RemovalPolicy,
  consoleOrigin: string | undefined
): HttpApi {
  const httpApi = new HttpApi(stack, 'HttpApi', {
    description: 'session-janitor: ticket-driven actions on Windows hosts',
    createDefaultStage: false,
    defaultAuthorizer: authorizer,
    // Browsers may call it from the console's origin alone; other callers send no Origin.
    corsPreflight:
      consoleOrigin === undefined
        ? undefined
        : {
            allowOrigins: [consoleOrigin],
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
            allowHeaders: ['authorization', 'content-type'],
            maxAge: Duration.hours(1),
          },
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
