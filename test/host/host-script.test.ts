import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sessionIdleEventSchema } from '../../lib/idle/schema.js';

/**
 * The host-script Pester suite (test/host/*.Tests.ps1) run by the real PowerShell engine, one
 * vitest test per Pester test, so that `npm test` and CI's closing count include them and a Pester
 * failure fails the run. Without pwsh (never installed) the suite is skipped with one line that
 * says how to enable it; with JANITOR_REQUIRE_PWSH=1 (CI) a missing pwsh is a failure.
 */

interface PesterTest {
  file: string;
  name: string;
  result: string;
  message: string;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const toolsFile = join(root, '.tools', 'host-tools.json');
const resultFile = join(root, 'tmp', 'pester.json');
/** What the watcher put in watcher.Tests.ps1: detail and resources of each entry. */
const watcherPutsFile = join(root, 'tmp', 'watcher-puts.json');
const required = process.env.JANITOR_REQUIRE_PWSH === '1';

function installedTools(): { pwsh: string; pester: string } | null {
  if (!existsSync(toolsFile)) return null;
  const tools = JSON.parse(readFileSync(toolsFile, 'utf8')) as { pwsh: string; pester: string };
  return existsSync(tools.pwsh) && existsSync(tools.pester) ? tools : null;
}

async function runPester(tools: { pwsh: string; pester: string }): Promise<PesterTest[]> {
  mkdirSync(join(root, 'tmp'), { recursive: true });
  await promisify(execFile)(
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
    ],
    { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }
  );
  const { tests } = JSON.parse(readFileSync(resultFile, 'utf8')) as { tests: PesterTest[] };
  return tests;
}

const tools = installedTools();

if (tools === null) {
  if (!required) {
    process.stdout.write(
      'Host-script tests (Pester, pwsh) skipped: pwsh is not installed; `npm run setup:pwsh` enables them.\n'
    );
  }
  describe('host script under pwsh', () => {
    it.skipIf(!required)('needs pwsh and Pester (JANITOR_REQUIRE_PWSH=1)', () => {
      throw new Error(`JANITOR_REQUIRE_PWSH=1 but ${toolsFile} is missing: run npm run setup:pwsh`);
    });
  });
} else {
  let tests: PesterTest[] = [];
  let runError: unknown = null;
  try {
    tests = await runPester(tools);
  } catch (error) {
    runError = error;
  }
  describe('host script under pwsh', () => {
    if (runError !== null || tests.length === 0) {
      it('Pester ran and found tests', () => {
        throw runError ?? new Error('Pester found no tests in test/host');
      });
    }
    it("every detail the watcher put is a valid Session Idle event's (events/session-idle.schema.json)", () => {
      const puts = JSON.parse(readFileSync(watcherPutsFile, 'utf8')) as Array<{
        detail: string;
        resources: string[];
      }>;
      expect(puts.length).toBeGreaterThanOrEqual(4);
      for (const put of puts) {
        // The envelope EventBridge adds to the entry.
        const event = {
          version: '0',
          id: '11710aed-b79e-4468-a20b-bb3c0c3b4860',
          'detail-type': 'Session Idle',
          source: 'session-janitor.host',
          account: '123456789012',
          time: '2026-11-21T20:06:10Z',
          region: 'us-east-1',
          resources: put.resources,
          detail: JSON.parse(put.detail),
        };
        expect(sessionIdleEventSchema.safeParse(event).error?.issues ?? []).toEqual([]);
      }
    });
    for (const file of [...new Set(tests.map((test) => test.file))]) {
      describe(file, () => {
        for (const test of tests.filter((candidate) => candidate.file === file)) {
          it(test.name, (context) => {
            if (test.result === 'Passed') return;
            if (test.result === 'Failed') throw new Error(test.message);
            context.skip(`Pester: ${test.result}`);
          });
        }
      });
    }
  });
}
