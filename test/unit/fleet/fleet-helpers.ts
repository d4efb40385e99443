import {
  type HostEnvelope,
  type HostParameters,
  hostEnvelopeSchema,
} from '../../../lib/ssm/host-contract.js';
import { createFleet } from '../../../local/fleet/fleet.js';
import type { ScriptRun, SimulatedFleet } from '../../../local/fleet/types.js';

/** A still fleet (nobody moves on their own) of the first seven default hosts. */
export function stillFleet(seed = 11): {
  fleet: SimulatedFleet;
  rdsh: string;
  fileServer: string;
  byName: (name: string) => string;
} {
  const fleet = createFleet({ seed, hosts: 7, liveSessions: false, durationScale: 0 });
  const byName = (name: string) => {
    const found = fleet.instances().find((i) => i.computerName === name);
    if (!found) throw new Error(`no host ${name}`);
    return found.instanceId;
  };
  return { fleet, rdsh: byName('RDSH-US-01'), fileServer: byName('FS-DE-01'), byName };
}

export async function call(
  fleet: SimulatedFleet,
  instanceId: string,
  parameters: HostParameters
): Promise<{ run: ScriptRun; envelope: HostEnvelope }> {
  const run = await fleet.run(instanceId, parameters);
  return { run, envelope: hostEnvelopeSchema.parse(JSON.parse(run.stdout)) };
}
