import type { HostParameters } from '../../lib/ssm/host-contract.js';
import type { Fleet, FleetInstance, ScriptRun } from '../../local/fleet/types.js';

/**
 * A tiny fleet for the local SSM's own tests: a few instances and a script the test chooses, so
 * that each test controls exit codes, output and run time exactly.
 */

export type FleetScript = (
  instanceId: string,
  parameters: HostParameters
) => ScriptRun | Promise<ScriptRun>;

export interface ScriptedFleet extends Fleet {
  /** Every run the local SSM asked for, in order. */
  readonly runs: { instanceId: string; parameters: HostParameters }[];
  setScript(script: FleetScript): void;
  setPingStatus(instanceId: string, pingStatus: FleetInstance['pingStatus']): void;
}

export function windowsInstance(
  instanceId: string,
  overrides: Partial<FleetInstance> = {}
): FleetInstance {
  return {
    instanceId,
    computerName: `HOST-${instanceId.slice(-4).toUpperCase()}`,
    pingStatus: 'Online',
    platformType: 'Windows',
    platformName: 'Microsoft Windows Server 2022 Datacenter',
    platformVersion: '10.0.20348',
    agentVersion: '3.3.2746.0',
    ipAddress: '10.0.0.10',
    locale: 'en-US',
    tags: { 'session-janitor:managed': 'true' },
    role: 'session-host',
    ...overrides,
  };
}

/** A run whose stdout is the host-contract envelope of `operation`. */
export function envelopeRun(
  parameters: HostParameters,
  run: Partial<Pick<ScriptRun, 'exitCode' | 'durationMs'>> & {
    stdout?: string;
    stderr?: string;
  } = {}
): ScriptRun {
  const exitCode = run.exitCode ?? 0;
  const envelope = {
    operation: parameters.Operation,
    exitCode,
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    stdoutTruncated: false,
    culture: 'en-US',
    shortDatePattern: 'M/d/yyyy',
    shortTimePattern: 'h:mm tt',
    hostTimeUtc: '2026-11-21T20:00:00Z',
    utcOffsetMinutes: 0,
    guard: null,
  };
  return {
    exitCode,
    stdout: `${JSON.stringify(envelope)}\r\n`,
    stderr: '',
    durationMs: run.durationMs ?? 0,
  };
}

export function createScriptedFleet(
  instances: FleetInstance[],
  script: FleetScript = (_, parameters) => envelopeRun(parameters)
): ScriptedFleet {
  const byId = new Map(instances.map((instance) => [instance.instanceId, { ...instance }]));
  let current = script;
  const runs: ScriptedFleet['runs'] = [];
  return {
    runs,
    instances: () => [...byId.values()].map((instance) => ({ ...instance })),
    instance: (instanceId) => {
      const instance = byId.get(instanceId);
      return instance === undefined ? undefined : { ...instance };
    },
    run: async (instanceId, parameters) => {
      runs.push({ instanceId, parameters });
      return current(instanceId, parameters);
    },
    setScript: (next) => {
      current = next;
    },
    setPingStatus: (instanceId, pingStatus) => {
      const instance = byId.get(instanceId);
      if (instance === undefined) throw new Error(`no instance ${instanceId}`);
      instance.pingStatus = pingStatus;
    },
  };
}
