import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SCOPES } from '../../cdk/constructs/api.js';
import { API_SCOPES } from '../../lib/contract.js';
import { type Json, policyStatementsOf, render, synthStack } from './synth.js';

// The shared default stack (synth.ts): this file adds no synth of its own.
const { app, stack, template, logicalId } = synthStack();
const site = stack.console;
if (!site) throw new Error('the default stack has a console');
const bucketId = logicalId(site.bucket);
const distributionId = logicalId(site.distribution);
const distribution = template.findResources('AWS::CloudFront::Distribution')[distributionId];
const origin = `https://<${distributionId}.DomainName>`;

describe('console hosting', () => {
  it('keeps the build in a private bucket that refuses requests without TLS', () => {
    expect(template.findResources('AWS::S3::Bucket')[bucketId]?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    });
    expect(
      template.findResources('AWS::S3::Bucket')[bucketId]?.Properties.WebsiteConfiguration
    ).toBeUndefined();
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) =>
        (p.Properties.Bucket as Json) !== null && render(p.Properties.Bucket) === `<${bucketId}>`
    );
    const statements = render(policy?.Properties.PolicyDocument.Statement) as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })
    );
    // Read by this distribution alone, through origin access control.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${distributionId}>`,
          },
        },
      })
    );
  });

  it('serves it through CloudFront with origin access control, index.html for every other path', () => {
    const config = distribution?.Properties.DistributionConfig;
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https' },
      CustomErrorResponses: [
        { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' },
        { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' },
      ],
    });
    const [s3Origin] = config.Origins;
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(template.findResources('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual({});
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
  });

  it("sets the local gateway's security headers, the CSP widened only to the API and Cognito", () => {
    const policy = Object.values(
      template.findResources('AWS::CloudFront::ResponseHeadersPolicy')
    )[0];
    const headers = render(
      policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig
    ) as Record<string, Record<string, Json>>;
    expect(headers.ContentSecurityPolicy?.ContentSecurityPolicy).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self' https://*.execute-api.<AWS::Region>.amazonaws.com " +
        'https://session-janitor-<AWS::AccountId>.auth.<AWS::Region>.amazoncognito.com; ' +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    expect(headers.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(headers.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'no-referrer' });
    expect(headers.ContentTypeOptions).toMatchObject({ Override: true });
  });

  it('deploys the hashed assets for good, then the page and config.json to be asked for each time', () => {
    const deployments = template.findResources('Custom::CDKBucketDeployment');
    const assets = deployments[logicalId(deploymentOf('Assets'))];
    const page = deployments[logicalId(deploymentOf('Page'))];
    expect(Object.keys(deployments)).toHaveLength(2);
    expect(assets?.Properties).toMatchObject({
      Exclude: ['*'],
      Include: ['assets/*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    expect(page?.Properties).toMatchObject({
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(page?.DependsOn).toContain(logicalId(deploymentOf('Assets')));
    const outputs = template.toJSON().Outputs;
    expect(render(outputs.ConsoleUrl.Value)).toBe(`${origin}/`);
    expect(outputs.ConsoleClientId.Value).toEqual({ Ref: logicalId(consoleClientConstruct()) });
  });

  it('writes a config.json naming the API, the Cognito domain, the console client and its scopes', () => {
    // What the provider writes: the staged file with each marker replaced by its deploy-time value.
    const page = template.findResources('Custom::CDKBucketDeployment')[
      logicalId(deploymentOf('Page'))
    ]?.Properties;
    const index = (page.SourceMarkers as Json[]).findIndex(
      (markers) => Object.keys(markers ?? {}).length > 0
    );
    const staged = `${app.outdir}/asset.${String(page.SourceObjectKeys[index]).replace(/\.zip$/, '')}`;
    let written = readFileSync(`${staged}/config.json`, 'utf8');
    for (const [marker, value] of Object.entries(render(page.SourceMarkers[index]) as object)) {
      written = written.replaceAll(marker, String(value));
    }
    expect(JSON.parse(written)).toEqual({
      apiUrl: `<${logicalId(stack.httpApi)}.ApiEndpoint>`,
      auth: {
        kind: 'cognito',
        domain: `https://<${logicalId(tokenDomain())}>.auth.<AWS::Region>.amazoncognito.com`,
        clientId: `<${logicalId(consoleClientConstruct())}>`,
        scopes: CONSOLE_SCOPES.map((name) => API_SCOPES[name]),
      },
    });
  });

  it("gives the CDK-made provider only the copy's S3 access: reads the assets, syncs the console bucket", () => {
    // The one role exempt from "no wildcard actions" (iam.test.ts): its grants are CDK's.
    const role = site.deployer;
    if (!role) throw new Error('no deployer role');
    const assetObjects =
      'arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>';
    expect(policyStatementsOf(template, logicalId(role))).toEqual([
      {
        Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
        Effect: 'Allow',
        Resource: [assetObjects, `${assetObjects}/*`],
      },
      {
        Action: [
          's3:GetObject*',
          's3:GetBucket*',
          's3:List*',
          's3:DeleteObject*',
          's3:PutObject',
          's3:PutObjectLegalHold',
          's3:PutObjectRetention',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
          's3:Abort*',
        ],
        Effect: 'Allow',
        Resource: [`<${bucketId}.Arn>`, `<${bucketId}.Arn>/*`],
      },
    ]);
  });
});

function consoleClientConstruct() {
  const client = stack.userPool?.node.tryFindChild('Console');
  if (!client) throw new Error('no Console client');
  return client as unknown as { node: { defaultChild?: unknown } };
}

function tokenDomain() {
  const domain = stack.userPool?.node.tryFindChild('TokenDomain');
  if (!domain) throw new Error('no TokenDomain');
  return domain as unknown as { node: { defaultChild?: unknown } };
}

function deploymentOf(id: 'Assets' | 'Page') {
  return site?.node.findChild(id).node.findChild('CustomResource') as unknown as {
    node: { defaultChild?: unknown };
  };
}

describe('console sign-in', () => {
  it('is a public client with the authorization-code grant back to the console, and the API scopes', () => {
    const props = template.findResources('AWS::Cognito::UserPoolClient')[
      logicalId(consoleClientConstruct())
    ]?.Properties;
    expect(render(props)).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: [`${origin}/`],
      LogoutURLs: [`${origin}/`],
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(
      props.AllowedOAuthScopes.map((scope: Json) =>
        String(render(scope)).replace(/^<[^>]+>\//, 'session-janitor/')
      )
    ).toEqual([
      API_SCOPES.read,
      API_SCOPES.act,
      API_SCOPES.logoff,
      API_SCOPES.files,
      API_SCOPES.shells,
    ]);
  });

  it('is one of the clients whose tokens the API accepts', () => {
    const [authorizer] = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(render(authorizer?.Properties.JwtConfiguration.Audience)).toContain(
      `<${logicalId(consoleClientConstruct())}>`
    );
  });

  it("lets browsers call the API from the console's origin only", () => {
    const api = template.findResources('AWS::ApiGatewayV2::Api')[logicalId(stack.httpApi)];
    expect(render(api?.Properties.CorsConfiguration)).toEqual({
      AllowOrigins: [origin],
      AllowMethods: ['GET', 'POST'],
      AllowHeaders: ['authorization', 'content-type'],
      MaxAge: 3600,
    });
  });
});
