import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  DOCUMENT_NAME,
  READ_DOCUMENT_NAME,
  readOnlyDocumentContent,
  WATCHER_DOCUMENT_NAME,
} from '../../lib/contract.js';
import { SsmApiError } from './errors.js';

/** The Command document, the one file that both the CDK stack and the local SSM read. */
export const OPERATE_DOCUMENT_URL = new URL(
  '../../cdk/document/session-janitor-operate.json',
  import.meta.url
);

/** The watcher's installer, which the stack's association runs on the hosts. */
export const WATCHER_DOCUMENT_URL = new URL(
  '../../cdk/document/session-janitor-install-watcher.json',
  import.meta.url
);

const parameterSchema = z.object({
  type: z.enum(['String', 'StringList']),
  description: z.string().optional(),
  default: z.union([z.string(), z.array(z.string())]).optional(),
  allowedValues: z.array(z.string()).min(1).optional(),
  allowedPattern: z.string().optional(),
  interpolationType: z.literal('ENV_VAR').optional(),
  minChars: z.number().int().optional(),
  maxChars: z.number().int().optional(),
});

const stepSchema = z.object({
  action: z.literal('aws:runPowerShellScript'),
  name: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/),
  precondition: z.object({ StringEquals: z.tuple([z.string(), z.string()]) }).optional(),
  inputs: z.object({
    timeoutSeconds: z.string().regex(/^[1-9][0-9]*$/),
    runCommand: z.array(z.string()).min(1),
  }),
});

export const commandDocumentSchema = z.object({
  schemaVersion: z.literal('2.2'),
  description: z.string(),
  parameters: z.record(z.string(), parameterSchema),
  mainSteps: z.tuple([stepSchema]),
});
export type CommandDocumentContent = z.infer<typeof commandDocumentSchema>;
export type DocumentParameterDefinition = z.infer<typeof parameterSchema>;

export interface CommandDocument {
  name: string;
  /** The JSON text exactly as CreateDocument would receive it. */
  content: string;
  definition: CommandDocumentContent;
  /** SHA-256 of `content`, hex (DescribeDocument `Hash`). */
  hash: string;
  /** The step name, which is GetCommandInvocation's `PluginName`. */
  stepName: string;
  /** The step's `timeoutSeconds`: the execution timeout. */
  executionTimeoutSeconds: number;
  /** Compiled `allowedPattern`s by parameter name. */
  patterns: ReadonlyMap<string, RegExp>;
}

/** SSM's quota for document content plus the parameter values of one request. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/**
 * Patterns use `\p{L}`/`\p{N}` classes, which Java regex and Go RE2 read natively and JavaScript
 * only with the `u` flag.
 */
export function compileAllowedPattern(pattern: string): RegExp {
  return new RegExp(pattern, 'u');
}

function valuesOf(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** Parses and checks a Command document; a default that fails its own rules is a broken document. */
export function parseCommandDocument(name: string, content: string): CommandDocument {
  const definition = commandDocumentSchema.parse(JSON.parse(content));
  const patterns = new Map<string, RegExp>();
  for (const [parameter, spec] of Object.entries(definition.parameters)) {
    if (spec.allowedPattern !== undefined) {
      patterns.set(parameter, compileAllowedPattern(spec.allowedPattern));
    }
    if (spec.default === undefined) continue;
    const problem = valueProblem(parameter, spec, patterns.get(parameter), valuesOf(spec.default));
    if (problem !== null) throw new Error(`document ${name}: default of ${problem}`);
  }
  const [step] = definition.mainSteps;
  return {
    name,
    content,
    definition,
    hash: createHash('sha256').update(content).digest('hex'),
    stepName: step.name,
    executionTimeoutSeconds: Number(step.inputs.timeoutSeconds),
    patterns,
  };
}

/** Reads `SessionJanitor-Operate` from `cdk/document/`. */
export function loadOperateDocument(): CommandDocument {
  return parseCommandDocument(DOCUMENT_NAME, readFileSync(OPERATE_DOCUMENT_URL, 'utf8'));
}

/** Reads `SessionJanitor-InstallWatcher` from `cdk/document/` (the local SSM does not run it). */
export function loadWatcherDocument(): CommandDocument {
  return parseCommandDocument(WATCHER_DOCUMENT_NAME, readFileSync(WATCHER_DOCUMENT_URL, 'utf8'));
}

/** Both documents the stack creates: `SessionJanitor-Operate` and its read-only twin. */
export function loadDocuments(): ReadonlyMap<string, CommandDocument> {
  const operate = loadOperateDocument();
  const read = parseCommandDocument(READ_DOCUMENT_NAME, readOnlyDocumentContent(operate.content));
  return new Map([operate, read].map((document) => [document.name, document]));
}

function valueProblem(
  name: string,
  spec: DocumentParameterDefinition,
  pattern: RegExp | undefined,
  values: readonly string[]
): string | null {
  if (spec.type === 'String' && values.length !== 1) {
    return `${name}: a String parameter takes exactly one value`;
  }
  for (const value of values) {
    if (spec.allowedValues !== undefined && !spec.allowedValues.includes(value)) {
      return `${name}: value is not one of the allowed values`;
    }
    if (pattern !== undefined && !pattern.test(value)) {
      return `${name}: value does not match the allowed pattern`;
    }
    if (spec.minChars !== undefined && value.length < spec.minChars) {
      return `${name}: value is shorter than ${spec.minChars} characters`;
    }
    if (spec.maxChars !== undefined && value.length > spec.maxChars) {
      return `${name}: value is longer than ${spec.maxChars} characters`;
    }
  }
  return null;
}

/**
 * Validates SendCommand `Parameters` the way SSM does before anything runs: only names the
 * document defines, every parameter without a default present, every value within
 * `allowedValues`/`allowedPattern`. Returns every parameter's value with defaults applied; throws
 * `InvalidParameters` (or `MaxDocumentSizeExceeded`) otherwise. Values are never echoed back, as
 * they may be what an attacker chose.
 */
export function resolveParameters(
  document: CommandDocument,
  parameters: unknown
): Record<string, string> {
  const given = parameters ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new SsmApiError('InvalidParameters', 'Parameters must be a map of lists of strings.');
  }
  const definitions = document.definition.parameters;
  const resolved: Record<string, string> = {};
  let size = Buffer.byteLength(document.content);
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(definitions, name)) {
      throw new SsmApiError(
        'InvalidParameters',
        `Parameter "${name}" is not defined by the document.`
      );
    }
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
      throw new SsmApiError('InvalidParameters', `Parameter "${name}" must be a list of strings.`);
    }
    const spec = definitions[name] as DocumentParameterDefinition;
    const problem = valueProblem(name, spec, document.patterns.get(name), value);
    if (problem !== null) {
      throw new SsmApiError('InvalidParameters', `Parameter ${problem}.`);
    }
    size += value.reduce((total, item) => total + Buffer.byteLength(item), 0);
    resolved[name] = value.join(',');
  }
  if (size > MAX_DOCUMENT_BYTES) {
    throw new SsmApiError('MaxDocumentSizeExceeded', 'The size limit of a document is 64 KB.');
  }
  for (const [name, spec] of Object.entries(definitions)) {
    if (Object.hasOwn(resolved, name)) continue;
    if (spec.default === undefined) {
      throw new SsmApiError('InvalidParameters', `Parameter "${name}" is required.`);
    }
    resolved[name] = valuesOf(spec.default).join(',');
  }
  return resolved;
}

/** DescribeDocument's `Document` member. */
export function describeDocument(
  document: CommandDocument,
  owner: string,
  createdDate: Date
): Record<string, unknown> {
  return {
    Hash: document.hash,
    HashType: 'Sha256',
    Name: document.name,
    Owner: owner,
    CreatedDate: createdDate.getTime() / 1000,
    Status: 'Active',
    DocumentVersion: '1',
    Description: document.definition.description,
    Parameters: Object.entries(document.definition.parameters).map(([name, spec]) => ({
      Name: name,
      Type: spec.type,
      Description: spec.description ?? '',
      DefaultValue: spec.default === undefined ? undefined : valuesOf(spec.default).join(','),
    })),
    PlatformTypes: ['Windows'],
    DocumentType: 'Command',
    SchemaVersion: document.definition.schemaVersion,
    LatestVersion: '1',
    DefaultVersion: '1',
    DocumentFormat: 'JSON',
    Tags: [],
  };
}
