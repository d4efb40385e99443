import { createCatalogOperations } from './catalog.js';
import type { Input, Operation } from './input.js';
import { cancelCommand } from './operations/cancel-command.js';
import { type ApiContext, type ContextOperation, operationContext } from './operations/context.js';
import { describeDocument } from './operations/describe-document.js';
import { describeInstanceInformation } from './operations/instance-information.js';
import { getCommandInvocation, listCommandInvocations } from './operations/invocations.js';
import { listCommands } from './operations/list-commands.js';
import { sendCommand } from './operations/send-command.js';

/**
 * The SSM operations, request in and response out, with the validation SSM performs. Shapes and
 * constraints follow botocore's `ssm/2014-11-06/service-2.json` (aws-facts §1.6); each operation
 * (or family) is its own module under `operations/`, the documents and nodes in `catalog.ts`.
 */
export function createOperations(context: ApiContext): Record<string, Operation> {
  const shared = operationContext(context);
  const bind = (operation: ContextOperation) => (input: Input) => operation(shared, input);
  return {
    ...createCatalogOperations(shared.catalog),
    SendCommand: bind(sendCommand),
    GetCommandInvocation: bind(getCommandInvocation),
    ListCommands: bind(listCommands),
    ListCommandInvocations: bind(listCommandInvocations),
    CancelCommand: bind(cancelCommand),
    DescribeInstanceInformation: bind(describeInstanceInformation),
    DescribeDocument: bind(describeDocument),
  };
}
