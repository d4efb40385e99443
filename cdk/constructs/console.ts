import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AssetHashType,
  Aws,
  type CfnResource,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { nagPseudo } from './nag-names.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
const BUILD = fileURLToPath(new URL('../../scripts/build-console.mjs', import.meta.url));

/** What the deployed console's `config.json` says (console/src/auth.ts `ConsoleConfig`). */
export interface ConsoleConfig {
  apiUrl: string;
  auth: { kind: 'cognito'; domain: string; clientId: string; scopes: string[] };
}

/**
 * The web console: a private bucket behind CloudFront with origin access control. The page's
 * CSP is the local gateway's (local/gateway/console-site.ts) plus the two origins it talks to
 * in the cloud: the API and the Cognito domain.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution>.cloudfront.net`: the console's origin. */
  readonly origin: string;
  /** The role the CDK gives the deployments' provider (set by `deploy`). */
  deployer: IRole | undefined;

  constructor(
    scope: Stack,
    id: string,
    props: { cognitoDomainUrl: string; removalPolicy: RemovalPolicy }
  ) {
    super(scope, id);
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      // A throw-away stack takes the build with it; a kept one keeps the bucket as its data.
      autoDeleteObjects: destroy,
    });
    // Not the API's own origin: its id would close a loop (distribution → this policy → API →
    // its CORS, which names the distribution), and CloudFormation creates neither first. So the
    // page may connect to any API of the region's execute-api domain; it runs only its own
    // scripts (script-src 'self'), and the API answers browsers of this origin alone.
    const api = `https://*.execute-api.${Aws.REGION}.amazonaws.com`;
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'session-janitor console: the page loads only its own files',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            `connect-src 'self' ${api} ${props.cognitoDomainUrl}; frame-ancestors 'none'; ` +
            "base-uri 'none'; form-action 'self'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    // The router reads the hash; any other path is the page, as the local gateway serves it.
    const page = {
      responseHttpStatus: 200,
      responsePagePath: '/index.html',
      ttl: Duration.seconds(0),
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'session-janitor console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      // Without s3:ListBucket a missing object is a 403.
      errorResponses: [
        { httpStatus: 403, ...page },
        { httpStatus: 404, ...page },
      ],
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the console build, read by CloudFront alone; every request that ' +
        'matters goes to the API, whose access logs record it.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Help desks sign in from wherever they work; Cognito and the API decide access.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only, behind no login of their own; the API (throttled, JWT-authorized) is ' +
          'what an attacker would aim at, and WAF is a per-deployer cost choice.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Access logs would record downloads of public static files; the API access logs record ' +
          'every call the console makes, with the caller.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain: with the default *.cloudfront.net certificate CloudFront keeps the ' +
          'TLSv1 security policy, which only a custom domain and certificate can raise; current ' +
          'browsers negotiate TLS 1.2 or 1.3 with it.',
      }
    );
  }

  /** The built console and its `config.json` (its tokens resolve at deploy time). */
  deploy(config: ConsoleConfig): void {
    const site = Source.asset(CONSOLE_DIR, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: the console builds on this machine (Vite) or the synth fails.
        image: DockerImage.fromRegistry('session-janitor/no-docker-bundling'),
        command: ['node', 'scripts/build-console.mjs'],
        local: {
          tryBundle(outputDir) {
            const run = spawnSync(process.execPath, [BUILD], {
              cwd: PROJECT_ROOT,
              stdio: 'inherit',
            });
            if (run.status !== 0)
              throw new Error(`building the console failed (exit ${run.status})`);
            cpSync(`${CONSOLE_DIR}dist`, outputDir, { recursive: true });
            return true;
          },
        },
      },
    });
    // Assets are named by their content hash: cached for good. The page and its configuration
    // are asked for again each time, so a new deploy shows at the next load. The page goes up
    // after its assets, and earlier builds' assets stay (a few tens of KB each): no page, new or
    // still open, names a file that is not there.
    const assets = new BucketDeployment(this, 'Assets', {
      sources: [site],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['assets/*'],
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    const page = new BucketDeployment(this, 'Page', {
      sources: [site, Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      exclude: ['assets/*'],
      cacheControl: [CacheControl.noCache()],
    });
    page.node.addDependency(assets);
    this.deployer = assets.handlerRole;
    this.acknowledgeDeployer(assets);
  }

  /**
   * Both deployments run in one CDK-made provider (a singleton function at the stack's root,
   * with its role): its findings are acknowledged on it alone, each by name.
   */
  private acknowledgeDeployer(deployment: BucketDeployment): void {
    const stack = Stack.of(this);
    const { partition, region, account } = nagPseudo(stack);
    const qualifier =
      stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetBucket = `arn:${partition}:s3:::cdk-${qualifier}-assets-${account}-${region}`;
    const consoleBucket = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnResource)}.Arn>`;
    const cdkGrant =
      "CDK's own grant to the BucketDeployment provider (aws-s3-deployment), which syncs the " +
      'console build with the AWS CLI: ';
    Validations.of(deployment.handlerRole).acknowledge(
      {
        id: `AwsSolutions-IAM4[Policy::arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
        reason:
          "CDK attaches it to the provider's role: logs:CreateLogGroup/CreateLogStream/PutLogEvents, " +
          'what any function needs to write its own logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: `${cdkGrant}it reads the build from the CDK asset bucket and the console bucket.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: `${cdkGrant}the CLI reads the bucket's location and settings before a sync.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:List*]',
        reason: `${cdkGrant}a sync lists both sides to find what changed and what to prune.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        reason: `${cdkGrant}a sync prunes the files a new build no longer has, in the console bucket only.`,
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: `${cdkGrant}it aborts its own failed multipart uploads, in the console bucket only.`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::${assetBucket}/*]`,
        reason:
          `${cdkGrant}read-only, on the bootstrap asset bucket the deployer's own CDK ` +
          'uploads to (object keys are content hashes, not known per grant).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${consoleBucket}/*]`,
        reason: `${cdkGrant}every object of the bucket that holds nothing but the console build.`,
      }
    );
    const provider = deployment.handlerRole.node.scope;
    if (!provider) throw new Error('the BucketDeployment role has no function');
    const runtime =
      "CDK's BucketDeployment provider: CDK chooses its runtime (Python, with the AWS CLI layer) " +
      'and updates it with aws-cdk-lib, not this project.';
    Validations.of(provider).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtime },
      { id: 'Serverless-LambdaLatestVersion', reason: runtime },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'A custom resource: CloudFormation invokes it and waits for its answer; without one the ' +
          'stack operation fails and rolls back, and a queued event would have no one to retry it.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'Runs only during a deployment, copying files; CloudFormation events and its log group ' +
          'say what it did. CDK offers no tracing setting for it.',
      }
    );
  }
}
