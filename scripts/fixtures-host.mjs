#!/usr/bin/env node
// Rewrites test/fixtures/host-envelopes.json: runs test/host/contract.Tests.ps1 under the pwsh of
// `npm run setup:pwsh` with -UpdateFixtures, so that the fixture holds what the document's real
// script prints now (and the script's SHA-256). Then `npm test` judges the new envelopes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsFile = join(root, '.tools', 'host-tools.json');
if (!existsSync(toolsFile)) {
  console.error('fixtures:host needs pwsh and Pester: run npm run setup:pwsh first.');
  process.exit(1);
}
const tools = JSON.parse(readFileSync(toolsFile, 'utf8'));
const resultFile = join(root, 'tmp', 'pester-fixtures.json');
mkdirSync(join(root, 'tmp'), { recursive: true });
execFileSync(
  tools.pwsh,
  [
    '-NoLogo',
    '-NoProfile',
    '-NonInteractive',
    '-File',
    join(root, 'test', 'host', 'run-pester.ps1'),
    '-PesterPath',
    tools.pester,
    '-ResultPath',
    resultFile,
    '-Path',
    join(root, 'test', 'host', 'contract.Tests.ps1'),
    '-UpdateFixtures',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } }
);
const { tests } = JSON.parse(readFileSync(resultFile, 'utf8'));
const failed = tests.filter((test) => test.result !== 'Passed');
for (const test of failed) console.error(`${test.name}: ${test.result}\n${test.message}`);
if (failed.length > 0 || tests.length === 0) process.exit(1);
const { cases } = JSON.parse(
  readFileSync(join(root, 'test', 'fixtures', 'host-envelopes.json'), 'utf8')
);
console.log(`test/fixtures/host-envelopes.json: ${cases.length} cases from the real script.`);
