import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Observer } from '../dispatch/observer.js';
import {
  type InvocationReading,
  isTerminalInvocationStatus,
  readCommandInvocations,
} from '../ssm/read.js';
import type { RetryPolicy } from '../ssm/retry.js';
import { claimsFinal, type InvocationStatusInput } from './collect.js';

export interface BatchReadDeps {
  ssm: SSMClient;
  retry?: Partial<RetryPolicy>;
  observer: Observer;
}

/** Where a batch's reading of one invocation is kept. */
export function readingKey(commandId: string, instanceId: string): string {
  return `${commandId} ${instanceId}`;
}

/**
 * Reads a batch's invocations per command, before its records are handled one by one: a command
 * that several hosts' events of the batch name (a sweep's ListSessions, up to 50 hosts) is read
 * whole with ListCommandInvocations, one call where GetCommandInvocation would take one per host.
 * Only terminal readings are kept (they never change again, however late a record uses them). An
 * invocation missing here (cut output, not yet listed, a command read alone, a failed listing) is
 * read on its own as before, so nothing is lost by reading in bulk.
 */
export async function readBatch(
  deps: BatchReadDeps,
  inputs: readonly InvocationStatusInput[]
): Promise<Map<string, InvocationReading>> {
  const hostsByCommand = new Map<string, Set<string>>();
  for (const input of inputs) {
    if (!claimsFinal(input.status)) continue;
    const hosts = hostsByCommand.get(input.commandId) ?? new Set<string>();
    hosts.add(input.instanceId);
    hostsByCommand.set(input.commandId, hosts);
  }
  const readings = new Map<string, InvocationReading>();
  for (const [commandId, hosts] of hostsByCommand) {
    if (hosts.size < 2) continue;
    try {
      const listed = await readCommandInvocations({ ssm: deps.ssm, retry: deps.retry }, commandId);
      for (const [instanceId, reading] of listed) {
        if (hosts.has(instanceId) && isTerminalInvocationStatus(reading.status)) {
          readings.set(readingKey(commandId, instanceId), reading);
        }
      }
    } catch (error) {
      deps.observer.warn('command invocations could not be listed; reading them one by one', {
        commandId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return readings;
}
