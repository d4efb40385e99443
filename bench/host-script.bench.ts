// What one invocation costs with `--host-script pwsh`: the document's real script in a fresh pwsh
// process against the simulated host, per operation (one at a time), next to a bare pwsh start;
// then throughput with the default parallelism. Prints one JSON object; without pwsh it says so.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import type { HostParameters } from '../lib/ssm/host-contract.js';
import { createFleet } from '../local/fleet/fleet.js';
import { DEFAULT_PWSH, pwshAvailable, startPwshHostScript } from '../local/host-script/pwsh.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.argv[2] ?? (QUICK ? 1 : 5));

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    medianMs: sorted[Math.floor(sorted.length / 2)],
    minMs: sorted[0],
    maxMs: sorted.at(-1),
  };
}

async function bench() {
  if (!(await pwshAvailable())) return { skipped: 'no pwsh: npm run setup:pwsh' };
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await promisify(execFile)(DEFAULT_PWSH, ['-NoLogo', '-NoProfile', '-Command', 'exit 0']);
    bare.push(Math.round(performance.now() - started));
  }

  const serial = await startPwshHostScript({ maxParallel: 1 });
  const fleet = createFleet({ seed: 1, liveSessions: false, hostScript: serial.run });
  const host = (name: string) =>
    fleet.instances().find((i) => i.computerName === name)?.instanceId ?? '';
  const cases: [string, string, HostParameters][] = [
    ['ListSessions', 'RDSH-DE-01', { Operation: 'ListSessions' }],
    [
      'LogoffSession (guard refuses)',
      'RDSH-DE-01',
      { Operation: 'LogoffSession', SessionId: '2', ExpectedUser: 'nobody' },
    ],
    ['ListOpenFiles', 'FS-DE-01', { Operation: 'ListOpenFiles' }],
  ];
  const perOperation: Record<string, unknown> = {};
  for (const [name, computer, parameters] of cases) {
    const ms: number[] = [];
    for (let i = 0; i < ROUNDS; i++)
      ms.push((await fleet.run(host(computer), parameters)).durationMs);
    perOperation[name] = summary(ms);
  }
  await serial.close();

  const parallel = await startPwshHostScript();
  const wide = createFleet({ seed: 1, liveSessions: false, hostScript: parallel.run });
  // --quick: four hosts, two rounds of the default parallelism.
  const online = wide
    .instances()
    .filter((i) => i.pingStatus === 'Online')
    .slice(0, QUICK ? 4 : undefined);
  const started = performance.now();
  await Promise.all(online.map((i) => wide.run(i.instanceId, { Operation: 'ListSessions' })));
  const seconds = (performance.now() - started) / 1000;
  await parallel.close();

  return {
    rounds: ROUNDS,
    pwshStartOnly: summary(bare),
    perOperation,
    sweepOfListings: {
      hosts: online.length,
      parallel: Math.max(2, availableParallelism()),
      seconds: Number(seconds.toFixed(1)),
      invocationsPerSecond: Number((online.length / seconds).toFixed(2)),
    },
  };
}

console.log(JSON.stringify(await bench()));
