import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, CfnOutput } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnAssociation, CfnDocument } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { SESSION_IDLE_SOURCE, WATCHER_DOCUMENT_NAME } from '../../lib/contract.js';
import type { JanitorFunction } from './lambda-function.js';

/** Where the watcher installer's content is kept. */
export const WATCHER_DOCUMENT_PATH = fileURLToPath(
  new URL('../document/session-janitor-install-watcher.json', import.meta.url)
);

export interface HostEventsOptions {
  bus: EventBus;
  functions: readonly JanitorFunction[];
  managedTag: { key: string; value: string };
  /** The roles the hosts' credentials come from (instance profiles, hybrid activations). */
  hostRoleArns: readonly string[];
  /** What the association does on every managed host. */
  watcher: 'install' | 'remove';
}

/**
 * The hosts' side of `Session Idle` events: the watcher's installer document, the State Manager
 * association that runs it on every managed host, the managed policy the hosts' roles need to put
 * events, and the bus policy that refuses `events:PutEvents` on the bus to every other principal
 * of any account (the functions excepted), whatever their own policies allow.
 */
export function createHostEvents(scope: Construct, options: HostEventsOptions) {
  const document = new CfnDocument(scope, 'WatcherDocument', {
    name: WATCHER_DOCUMENT_NAME,
    documentType: 'Command',
    documentFormat: 'JSON',
    content: JSON.parse(readFileSync(WATCHER_DOCUMENT_PATH, 'utf8')),
    updateMethod: 'NewVersion',
  });

  const hostPolicy = new ManagedPolicy(scope, 'HostEventsPolicy', {
    description:
      'session-janitor: lets a managed host put Session Idle events (source session-janitor.host) on the session-janitor bus, and nothing else there',
    statements: [
      new PolicyStatement({
        sid: 'PutSessionIdleEvents',
        actions: ['events:PutEvents'],
        resources: [options.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': SESSION_IDLE_SOURCE } },
      }),
    ],
  });

  // IAM in the account allows; the bus refuses everyone else, so a principal that holds
  // events:PutEvents on * (an administrator, another service's role) cannot forge host events.
  const admitted = [
    ...options.hostRoleArns,
    ...options.functions.map((fn) => fn.function.role?.roleArn ?? ''),
  ].filter((arn) => arn !== '');
  options.bus.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OnlyHostsAndTheFunctionsPut',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [options.bus.eventBusArn],
      conditions: {
        ArnNotLike: { 'aws:PrincipalArn': admitted },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    })
  );
  if (options.hostRoleArns.length === 0) {
    Annotations.of(scope).addWarningV2(
      'session-janitor:no-host-roles',
      'hostRoleArns is empty: the bus refuses every host, so no watcher event reaches idle-event'
    );
  }

  const association = new CfnAssociation(scope, 'WatcherAssociation', {
    name: WATCHER_DOCUMENT_NAME,
    associationName: 'session-janitor-watcher',
    // Each new document version reaches the hosts at their next run.
    documentVersion: '$LATEST',
    targets: [{ key: `tag:${options.managedTag.key}`, values: [options.managedTag.value] }],
    parameters: {
      Action: [options.watcher === 'install' ? 'Install' : 'Remove'],
      EventBusArn: [options.bus.eventBusArn],
    },
    // Hosts tagged later, and hosts whose task was removed by hand, get it back within a day.
    scheduleExpression: 'rate(1 day)',
    maxConcurrency: '10%',
    maxErrors: '10%',
    complianceSeverity: 'MEDIUM',
  });
  association.node.addDependency(document);

  new CfnOutput(scope, 'HostEventsPolicyArn', { value: hostPolicy.managedPolicyArn });
  new CfnOutput(scope, 'WatcherAssociationId', { value: association.attrAssociationId });
  new CfnOutput(scope, 'EventBusArn', { value: options.bus.eventBusArn });
  return { hostPolicy, association };
}
