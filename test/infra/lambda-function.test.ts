import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { JanitorFunction } from '../../cdk/constructs/lambda-function.js';

// Bundling on (the point of this file), CloudFormation validation off (seconds, not needed here).
const outdir = mkdtempSync(join(tmpdir(), 'sj-infra-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const app = new App({ outdir, builtinCloudFormationValidation: false });
const stack = new Stack(app, 'Probe');
const failures = new Queue(stack, 'Failures');
const probe = new JanitorFunction(stack, 'Probe', {
  entry: fileURLToPath(new URL('./fixtures/probe-handler.ts', import.meta.url)),
  description: 'probe',
  memorySize: 256,
  timeout: Duration.seconds(10),
  logRetention: RetentionDays.ONE_WEEK,
  invocation: { kind: 'async', onFailure: failures, maxEventAge: Duration.minutes(5) },
});
const assembly = app.synth();
const template = Template.fromJSON(assembly.getStackByName('Probe').template);
const resources = template.toJSON().Resources;
const idOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const assetDirs = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));

describe('JanitorFunction', () => {
  it('bundles the handler as one ESM file with a source map and no sources', () => {
    expect(assetDirs).toHaveLength(1);
    const dir = join(assembly.directory, assetDirs[0] ?? '');
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8'));
    expect(map.sourcesContent).toBeUndefined();
  });

  it('produces a bundle that runs as ESM and lets CommonJS dependencies require built-ins', () => {
    const bundle = pathToFileURL(join(assembly.directory, assetDirs[0] ?? '', 'index.mjs'));
    // A separate Node process: the test worker defines a global require that would hide a
    // bundle unable to require anything on Lambda.
    const runner = join(outdir, 'run-bundle.mjs');
    writeFileSync(
      runner,
      `const { handler } = await import(${JSON.stringify(bundle.href)});\n` +
        'process.stdout.write(JSON.stringify(await handler()));\n'
    );
    const output = execFileSync(process.execPath, [runner], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ moduleUrl: bundle.href, endOfLine: '\n' });
  });

  it('sets the house defaults: Node 22, ARM64, tracing, source maps, Powertools names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: 10,
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'session-janitor',
          POWERTOOLS_METRICS_NAMESPACE: 'SessionJanitor',
        },
      },
    });
  });

  it('logs to its own retained log group with retention', () => {
    expect(resources[idOf(probe.logGroup)]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: 7 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: idOf(probe.logGroup) } },
    });
  });

  it('runs with its own role and no managed policy', () => {
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([idOf(probe.role)]);
    expect(resources[idOf(probe.role)].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('sends failed asynchronous invocations to the on-failure queue after two retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [idOf(failures), 'Arn'] } },
      },
    });
  });
});
