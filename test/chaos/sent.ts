import type { SSMClient } from '@aws-sdk/client-ssm';
import { parseComment } from '../../lib/dispatch/comments.js';
import { loadDocuments } from '../../local/ssm/document.js';

/**
 * Watches every SendCommand the functions attempt, before SSM sees it: how many, of which
 * operation, for which action, and every parameter value the document's rules would refuse
 * (allowed pattern, allowed values, length). The local SSM refuses such a call too; this catches
 * the attempt, which the local SSM's own record of accepted commands would not show.
 */
export interface SentWatch {
  attempts(): number;
  /** Attempts per Operation parameter. */
  byOperation(): Record<string, number>;
  /** Parameters the document would refuse: `Name=value` per attempt. */
  refused(): string[];
  /** Checked parameter values so far. */
  checked(): number;
}

export function watchSendCommand(ssm: SSMClient): SentWatch {
  const documents = loadDocuments();
  let attempts = 0;
  let checked = 0;
  const operations: Record<string, number> = {};
  const refused: string[] = [];
  ssm.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendCommandCommand') {
        attempts++;
        const input = args.input as {
          DocumentName?: string;
          Parameters?: Record<string, string[]>;
        };
        const document = documents.get(input.DocumentName ?? '');
        const parameters = input.Parameters ?? {};
        const operation = parameters.Operation?.[0] ?? '(none)';
        operations[operation] = (operations[operation] ?? 0) + 1;
        for (const [name, values] of Object.entries(parameters)) {
          const spec = document?.definition.parameters[name];
          const pattern = document?.patterns.get(name);
          for (const value of values) {
            checked++;
            const ok =
              spec !== undefined &&
              (pattern === undefined || pattern.test(value)) &&
              (spec.allowedValues === undefined || spec.allowedValues.includes(value)) &&
              (spec.maxChars === undefined || value.length <= spec.maxChars);
            if (!ok) refused.push(`${name}=${JSON.stringify(value).slice(0, 80)}`);
          }
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'chaosSendCommandWatch' }
  );
  return {
    attempts: () => attempts,
    byOperation: () => ({ ...operations }),
    refused: () => [...refused],
    checked: () => checked,
  };
}

/** SSM commands per action id, from the `sj:act:` comment each action's command carries. */
export function commandsPerAction(commands: readonly { comment: string }[]): Map<string, number> {
  const perAction = new Map<string, number>();
  for (const command of commands) {
    const purpose = parseComment(command.comment);
    if (purpose?.kind === 'action') {
      perAction.set(purpose.actionId, (perAction.get(purpose.actionId) ?? 0) + 1);
    }
  }
  return perAction;
}
