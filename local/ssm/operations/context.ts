import type { Fleet } from '../../fleet/types.js';
import { type CatalogContext, findDocument } from '../catalog.js';
import type { CommandDocument } from '../document.js';
import type { CommandRecord, RunCommandEngine } from '../engine.js';
import { SsmApiError } from '../errors.js';
import type { Input } from '../input.js';
import type { SsmFaults } from '../types.js';

export interface ApiContext {
  engine: RunCommandEngine;
  fleet: Fleet;
  /** The documents this account holds, by name. */
  documents: ReadonlyMap<string, CommandDocument>;
  faults: () => SsmFaults;
  accountId: string;
  region: string;
  startedAt: Date;
  clock: () => Date;
}

/** What every Run Command operation reads, built once per endpoint. */
export interface OperationContext extends ApiContext {
  catalog: CatalogContext;
  findDocument(name: string, version?: string): CommandDocument;
  /** InvalidCommandId for a command this endpoint never sent. */
  findCommand(commandId: string): CommandRecord;
}

export type ContextOperation = (context: OperationContext, input: Input) => unknown;

export function operationContext(context: ApiContext): OperationContext {
  const catalog: CatalogContext = {
    documents: context.documents,
    instances: () => context.fleet.instances(),
    faults: context.faults,
    accountId: context.accountId,
    region: context.region,
    startedAt: context.startedAt,
    clock: context.clock,
  };
  return {
    ...context,
    catalog,
    findDocument: (name, version) => findDocument(catalog, name, version),
    findCommand: (commandId) => {
      const command = context.engine.commands.get(commandId);
      if (command === undefined) throw new SsmApiError('InvalidCommandId', '');
      return command;
    },
  };
}
