import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  SessionJanitorStack,
  type SessionJanitorStackProps,
} from '../../cdk/session-janitor-stack.js';

/**
 * An App that synthesizes fast: no bundling (placeholder assets) and no built-in CloudFormation
 * validation, which together take seconds per synth.
 */
export function fastApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
}

export interface Synthesized {
  app: App;
  stack: SessionJanitorStack;
  template: Template;
  /** The logical id CloudFormation knows a construct's resource by. */
  logicalId(resource: { node: { defaultChild?: unknown } } | CfnResource): string;
}

let defaultStack: Synthesized | undefined;

/**
 * The stack with `props`. Without props, the default stack, synthesized once per worker and
 * shared by the files that read it (the infra tests share their worker's module graph,
 * vitest.config.ts): each synth took 0.2 to 1.4 CPU-s here. Read it, never change it.
 */
export function synthStack(props?: SessionJanitorStackProps): Synthesized {
  if (props !== undefined) return synthesize(props);
  defaultStack ??= synthesize({});
  return defaultStack;
}

function synthesize(props: SessionJanitorStackProps): Synthesized {
  const app = fastApp();
  const stack = new SessionJanitorStack(app, 'SessionJanitor', props);
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    logicalId: (resource) => {
      const cfn = 'logicalId' in resource ? resource : resource.node.defaultChild;
      return Stack.of(stack).getLogicalId(cfn as CfnResource);
    },
  };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Renders CloudFormation intrinsics as readable text (as cdk-nag names them) so a policy reads as
 * written: `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, Arn]}` → `<X.Arn>`, `Fn::Join` → the joined text,
 * `{Fn::Sub: 'a-${X}'}` → `a-<X>`.
 */
export function render(value: Json): Json {
  if (Array.isArray(value)) return value.map(render);
  if (value === null || typeof value !== 'object') return value;
  const ref = value.Ref;
  if (typeof ref === 'string') return `<${ref}>`;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, '<$1>');
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map((part) => String(render(part))).join(join[0]);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, render(inner)]));
}

/** The statements of the one inline policy attached to `roleLogicalId`, rendered. */
export function policyStatementsOf(template: Template, roleLogicalId: string): Json[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: roleLogicalId }] },
    })
  );
  if (policies.length !== 1) {
    throw new Error(`expected one policy on ${roleLogicalId}, found ${policies.length}`);
  }
  const statements = policies[0]?.Properties?.PolicyDocument?.Statement as Json[];
  return statements.map(render);
}
