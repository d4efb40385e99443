import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readContextSettings } from './config.js';
import { SessionJanitorStack } from './session-janitor-stack.js';

const app = new App();
// Error-level findings of either pack fail the synth; acknowledgements sit next to their construct.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

new SessionJanitorStack(app, 'SessionJanitor', {
  ...readContextSettings(app.node),
  description:
    'session-janitor: idle RDP session, SMB session and locked-file cleanup for Windows hosts',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

app.synth();
