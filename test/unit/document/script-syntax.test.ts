import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Language, type Node, Parser } from 'web-tree-sitter';
import {
  ENVELOPE_STDOUT_LIMIT,
  EXIT,
  GUARD_EXIT,
  HOST_PARAMETERS,
} from '../../../lib/ssm/host-contract.js';
import { loadOperateDocument } from '../../../local/ssm/document.js';

const GRAMMAR = fileURLToPath(
  new URL(
    '../../../node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm',
    import.meta.url
  )
);

let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  parser = new Parser();
  parser.setLanguage(await Language.load(GRAMMAR));
});

const document = loadOperateDocument();
const [step] = document.definition.mainSteps;
const script = step.inputs.runCommand.join('\n');

function syntaxErrors(source: string): string[] {
  const tree = parser.parse(source);
  if (tree === null) throw new Error('tree-sitter returned no tree');
  const errors: string[] = [];
  const visit = (node: Node) => {
    if (node.isError || node.isMissing) {
      const { row, column } = node.startPosition;
      errors.push(
        `${row + 1}:${column + 1} ${node.isMissing ? 'missing' : 'unexpected'} ${JSON.stringify(node.text.slice(0, 40))}`
      );
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  if (tree.rootNode.hasError && errors.length === 0) errors.push('tree has an error');
  tree.delete();
  return errors;
}

describe('the SessionJanitor-Operate script', () => {
  it('parses as PowerShell without a syntax error', () => {
    expect(syntaxErrors(script)).toEqual([]);
  });

  it('is caught by the syntax check when broken', () => {
    expect(
      syntaxErrors(script.replace('switch -CaseSensitive ($operation) {', 'switch ($operation {'))
    ).not.toEqual([]);
  });

  it('is one aws:runPowerShellScript step of schema 2.2 for Windows', () => {
    expect(document.definition.schemaVersion).toBe('2.2');
    expect(step.action).toBe('aws:runPowerShellScript');
    expect(step.precondition).toEqual({ StringEquals: ['platformType', 'Windows'] });
    expect(document.executionTimeoutSeconds).toBe(120);
  });

  it('never evaluates text and never interpolates parameters into the script', () => {
    expect(script).not.toMatch(
      /Invoke-Expression|\biex\b|\{\{|Invoke-Command|ScriptBlock\]::Create|Start-Process|cmd(\.exe)? \/c/i
    );
  });

  it('reads every parameter from its SSM_ environment variable and no other', () => {
    const read = [...script.matchAll(/\$env:SSM_(\w+)/g)].map((match) => match[1]);
    expect(read.sort()).toEqual(['Operation', ...HOST_PARAMETERS].sort());
  });

  it('is plain ASCII, so the agent writes and runs it the same in every code page', () => {
    const unusual = [...script].filter((char) => char !== '\n' && (char < ' ' || char > '~'));
    expect(unusual).toEqual([]);
  });

  it('uses the exit codes and guard codes of the host contract', () => {
    const refusals = [...script.matchAll(/New-GuardRefusal '([a-z-]+)' (\d+)/g)].map((match) => [
      match[1],
      Number(match[2]),
    ]);
    expect(Object.fromEntries(refusals)).toEqual(GUARD_EXIT);
    const literalExits = [...script.matchAll(/New-Result (\d+) /g)].map((match) =>
      Number(match[1])
    );
    expect(new Set(literalExits)).toEqual(
      new Set([
        EXIT.ok,
        EXIT.commandFailed,
        EXIT.badParameters,
        EXIT.notConfirmed,
        EXIT.constrainedLanguage,
      ])
    );
  });

  it('trims stdout to the contract limit and keeps the envelope under GetCommandInvocation’s 24,000', () => {
    expect(script).toContain(`$EnvelopeStdoutLimit = ${ENVELOPE_STDOUT_LIMIT}`);
    const max = Number(/\$EnvelopeMaxLength = (\d+)/.exec(script)?.[1]);
    expect(max).toBeGreaterThanOrEqual(ENVELOPE_STDOUT_LIMIT);
    expect(max).toBeLessThan(24_000);
  });

  it('answers Close prompts itself, as NonInteractive PowerShell cannot', () => {
    for (const line of step.inputs.runCommand.filter((l) => /^\s*Close-Smb/.test(l))) {
      expect(line).toMatch(/ -Force( |$)/);
    }
    expect(script).toContain('Close-SmbSession -SessionId');
    expect(script).toContain('Close-SmbOpenFile -FileId $fileId -Force');
  });
});
