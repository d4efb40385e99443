import type { HostParameters } from '../../lib/ssm/host-contract.js';

/**
 * The seam between the local SSM endpoint (`local/ssm/`) and the simulated Windows fleet
 * (`local/fleet/`): SSM asks the fleet which instances exist and runs the document's script on one.
 */

export interface FleetInstance {
  instanceId: string;
  computerName: string;
  /** `Online` | `ConnectionLost` | `Inactive` (DescribeInstanceInformation PingStatus). */
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive';
  platformType: 'Windows';
  platformName: string;
  platformVersion: string;
  agentVersion: string;
  ipAddress: string;
  /** e.g. `de-DE` */
  locale: string;
  /** Instance tags (the managed tag among them). */
  tags: Record<string, string>;
  role: 'session-host' | 'file-server';
}

/** What the `aws:runPowerShellScript` step produced: the process exit code and its streams. */
export interface ScriptRun {
  exitCode: number;
  /** The JSON envelope of `lib/ssm/host-contract.ts`, as the script prints it. */
  stdout: string;
  stderr: string;
  /** Simulated run time, in milliseconds of real time. */
  durationMs: number;
}

export interface Fleet {
  instances(): FleetInstance[];
  instance(instanceId: string): FleetInstance | undefined;
  /** Runs the document's script for one instance, with parameters already validated by SSM. */
  run(instanceId: string, parameters: HostParameters): Promise<ScriptRun>;
}
