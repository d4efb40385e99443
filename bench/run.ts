// Runs every `bench/*.bench.ts` in turn (each prints one JSON object) and prints them as one JSON
// document, so CI logs and closing notes can quote the figures verbatim.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: Record<string, unknown> = {};
let failed = false;
for (const file of benches) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const name = file.replace(/\.bench\.ts$/, '');
  if (run.status !== 0) {
    failed = true;
    results[name] = { error: `exited ${run.status}` };
    continue;
  }
  const lines = run.stdout.trim().split('\n');
  results[name] = JSON.parse(lines[lines.length - 1] ?? 'null');
}
console.log(JSON.stringify(results, null, 2));
process.exitCode = failed ? 1 : 0;
