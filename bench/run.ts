// Runs every `bench/*.bench.ts` in turn (each prints one JSON object as its last stdout line) and
// reports them together, so CI logs and closing notes can quote the figures verbatim.
//
//   npm run bench -- [--json] [--quick] [name …]
//
// --json: one JSON object on stdout and nothing else (progress goes to stderr); --quick: smaller
// rounds and fleets, the whole run under 90 s (each bench reads BENCH_QUICK=1); names keep only the
// benches whose file name contains one of them. A full run (no --quick, no names) also writes
// bench/results.json with the machine it ran on.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchArgsError, parseBenchArgs } from './args.js';

const here = dirname(fileURLToPath(import.meta.url));

let args: ReturnType<typeof parseBenchArgs>;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchArgsError)) throw error;
  console.error(`bench: ${error.message}`);
  process.exit(2);
}
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const benches = available.filter(
  (f) => args.names.length === 0 || args.names.some((o) => f.includes(o))
);
if (benches.length === 0) {
  console.error(
    `bench: no benchmark matches ${args.names.join(', ')} (there are: ${available.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')})`
  );
  process.exit(2);
}

const results: Record<string, unknown> = {};
let failed = false;
const started = performance.now();
for (const file of benches) {
  const name = file.replace(/\.bench\.ts$/, '');
  console.error(`bench: ${name}${args.quick ? ' (quick)' : ''}…`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(args.quick ? { BENCH_QUICK: '1' } : {}),
    },
  });
  if (run.status !== 0) {
    failed = true;
    results[name] = { error: `exited ${run.status}` };
    continue;
  }
  const lines = run.stdout.trim().split('\n');
  results[name] = JSON.parse(lines[lines.length - 1] ?? 'null');
}
const report = {
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
  quick: args.quick,
  seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  results,
};
if (!args.quick && args.names.length === 0 && !failed) {
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.error('bench: wrote bench/results.json');
}
console.log(args.json ? JSON.stringify(report) : readable(report));
process.exitCode = failed ? 1 : 0;

/** One `path  value` line per figure, for reading in a terminal. */
function readable(value: unknown, path = ''): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value)
      .map(([key, inner]) => readable(inner, path ? `${path}.${key}` : key))
      .filter((line) => line !== '')
      .join('\n');
  }
  return `${path.padEnd(60)}  ${JSON.stringify(value)}`;
}
