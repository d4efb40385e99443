import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import { SessionJanitorStack } from '../../cdk/session-janitor-stack.js';
import { fastApp } from './synth.js';

const packs = (): NagPack[] => [new AwsSolutionsChecks(), new ServerlessChecks()];

function findings(app: ReturnType<typeof fastApp>): string[] {
  return packs().flatMap((pack) =>
    pack.validateScope(app).violations.map((violation) => violation.ruleName)
  );
}

// Records every acknowledgement the stack makes, while letting it take effect as usual.
const acknowledged: Acknowledgment[] = [];
const original = Validations.prototype.acknowledge;
const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
  this: Validations,
  ...rules: Acknowledgment[]
) {
  acknowledged.push(...rules);
  original.apply(this, rules);
});
// As cdk/app.ts deploys it: with an account and a region, which cdk-nag writes into the names
// of some findings (and so of their acknowledgements) where the other tests see <AWS::…>.
const env = { account: '123456789012', region: 'eu-west-1' };
const app = fastApp();
new SessionJanitorStack(app, 'SessionJanitor', { env });
spy.mockRestore();

describe('cdk-nag', () => {
  it('finds nothing unacknowledged with the AwsSolutions and Serverless packs', () => {
    expect(findings(app)).toEqual([]);
  });

  it('gives every acknowledgement a reason a reviewer can check', () => {
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const rule of acknowledged) {
      expect(rule.id).toMatch(/^(AwsSolutions|Serverless)-/);
      expect(rule.reason.length, rule.id).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledges only findings that occur without the acknowledgement', () => {
    const bare = fastApp();
    const silenced = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
    new SessionJanitorStack(bare, 'SessionJanitor', { env });
    silenced.mockRestore();
    const raised = new Set(findings(bare));
    for (const rule of acknowledged) expect(raised, rule.id).toContain(rule.id);
  });
});
