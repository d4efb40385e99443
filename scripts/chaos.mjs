// `npm run test:chaos`: the chaos suite (test/chaos) in full, then its figures as one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const dir = new URL('../tmp/chaos/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
/**
 * The safety issue's cases (#11), run with the suite: the files whose tests are those cases
 * (vitest takes files here; each case is a named test in its file).
 */
const KNOWN_CASES = [
  'test/integration/functions/disconnected-time.test.ts', // 1: a just-disconnected user
  'test/integration/functions/delayed-command.test.ts', // 2: a delayed command meets a new logon
  'test/integration/functions/idle-limits.test.ts', // 3: idle events past the blast-radius limits
  'test/integration/api/dispatch.test.ts', // 4: concurrent repeats of an orphaned request
  'test/e2e/restart.test.ts', // a restart on the same data dir
  'test/unit/ssm/outcome.test.ts', // 6: never succeeded on the tool's exit code alone
  'test/integration/api/exclusions.test.ts', // 7: no ticket logs off an excluded or console account
  // One session under two spellings of its user is one target, under one ticket ("bob.smith").
  'test/integration/api/actions.test.ts',
];
const vitest = new URL('../node_modules/.bin/vitest', import.meta.url).pathname;
const files = process.argv.length > 2 ? process.argv.slice(2) : ['test/chaos', ...KNOWN_CASES];
const run = spawnSync(vitest, ['run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, CHAOS: 'full' },
});
const figures = {};
for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
  figures[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
}
console.log(JSON.stringify({ chaos: 'full', passed: run.status === 0, ...figures }));
process.exit(run.status ?? 1);
