// `npm run test:chaos`: the chaos suite (test/chaos) in full, then its figures as one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const dir = new URL('../tmp/chaos/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
const vitest = new URL('../node_modules/.bin/vitest', import.meta.url).pathname;
const run = spawnSync(vitest, ['run', 'test/chaos', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHAOS: 'full' },
});
const figures = {};
for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
  figures[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
}
console.log(JSON.stringify({ chaos: 'full', passed: run.status === 0, ...figures }));
process.exit(run.status ?? 1);
