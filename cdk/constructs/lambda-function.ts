import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/contract.js';

/** How a function is invoked decides where its failures go. */
export type Invocation =
  | {
      /** Invoked asynchronously (EventBridge, Scheduler): failed events go to `onFailure`. */
      readonly kind: 'async';
      readonly onFailure: IQueue;
      /** @default 2 */
      readonly retryAttempts?: number;
      readonly maxEventAge: Duration;
    }
  | {
      /** Invoked synchronously (API Gateway) or by an event source mapping (SQS). */
      readonly kind: 'sync' | 'queue';
    };

export interface JanitorFunctionProps {
  /** Absolute path of the handler module; it must export `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Always explicit: the Lambda default (128 MB) is never what a handler was measured with. */
  readonly memorySize: number;
  /** Always explicit: the Lambda default (3 s) is never what a handler was measured with. */
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly invocation: Invocation;
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** What a function may do with the ledger table. */
export interface TableAccess {
  /** Global secondary indexes the function queries (by name); no index means none. */
  readonly indexes: readonly string[];
}

/** Item-level actions of the ledger: single-item conditional writes and queries, nothing else. */
const LEDGER_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
] as const;

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLER = fileURLToPath(new URL('../bundling/cli.ts', import.meta.url));

/**
 * The handler's bundle as an asset, built on this machine by `cdk/bundling/` (esbuild with the
 * plugins that keep it small; no Docker). Hashed by its output, so an unchanged bundle is not
 * uploaded again.
 */
function bundledCode(entry: string): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or fails the synth.
      image: DockerImage.fromRegistry('session-janitor/no-docker-bundling'),
      // Also what tells the assets apart: CDK caches a bundle by its source path and options.
      command: ['tsx', 'cdk/bundling/cli.ts', entry],
      local: {
        tryBundle(outputDir) {
          const run = spawnSync(process.execPath, ['--import', 'tsx', BUNDLER, entry, outputDir], {
            cwd: PROJECT_ROOT,
            stdio: 'inherit',
          });
          if (run.status !== 0) throw new Error(`bundling ${entry} failed (exit ${run.status})`);
          return true;
        },
      },
    },
  });
}

/**
 * The house Lambda function: an ESM bundle (see `bundledCode`) with explicit memory and timeout, ARM64, Node 22,
 * active tracing, an ESM bundle with source maps, its own log group with retention, its own role
 * with no managed policy, and failure handling that matches how it is invoked.
 */
export class JanitorFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: JanitorFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole,
    // which may write to every log group of the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    const { invocation } = props;
    this.function = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.entry),
      handler: 'index.handler',
      description: props.description,
      // The runtime the handlers are built (esbuild target below) and tested for.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      ...(invocation.kind === 'async'
        ? {
            onFailure: new SqsDestination(invocation.onFailure),
            retryAttempts: invocation.retryAttempts ?? 2,
            maxEventAge: invocation.maxEventAge,
          }
        : {}),
    });

    this.acknowledgeDesignChoices(props);
  }

  /** Lets the function use the ledger table: sets `TABLE_NAME` and grants exactly `access`. */
  bindTable(table: ITable, access: TableAccess): void {
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'LedgerItems',
        actions: [...LEDGER_ITEM_ACTIONS],
        resources: [table.tableArn],
      })
    );
    if (access.indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'LedgerIndexes',
          actions: ['dynamodb:Query'],
          resources: access.indexes.map((index) => `${table.tableArn}/index/${index}`),
        })
      );
    }
  }

  addToRolePolicy(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  private acknowledgeDesignChoices(props: JanitorFunctionProps): void {
    const validations = Validations.of(this);
    validations.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" only for actions without resource-level permissions: X-Ray ' +
        'PutTraceSegments/PutTelemetryRecords and, where granted, ssm:DescribeInstanceInformation ' +
        'and ssm:GetCommandInvocation (checked statement by statement in test/infra).',
    });
    const pinned =
      'Pinned to Node.js 22, the runtime the handlers are built (esbuild target node22) and tested for.';
    validations.acknowledge({ id: 'AwsSolutions-L1', reason: pinned });
    validations.acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: pinned });
    validations.acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        props.invocation.kind === 'async'
          ? 'Asynchronous failures go to an on-failure destination, which records more than a DLQ.'
          : props.invocation.kind === 'queue'
            ? 'Invoked by an SQS event source mapping; failed messages go to the source queue DLQ.'
            : 'Invoked synchronously by API Gateway; the caller receives the error, nothing is queued.',
    });
  }
}
