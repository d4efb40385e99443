import { pwshAvailable } from '../../local/host-script/pwsh.js';

/**
 * Whether the tests that run the document's real script can run here. Without pwsh they are
 * skipped with one line, unless `JANITOR_REQUIRE_PWSH=1` (CI) makes its absence a failure.
 */
export async function realScriptRuns(suite: string): Promise<boolean> {
  if (await pwshAvailable()) return true;
  if (process.env.JANITOR_REQUIRE_PWSH === '1') {
    throw new Error(`${suite}: JANITOR_REQUIRE_PWSH=1 but pwsh is missing: run npm run setup:pwsh`);
  }
  console.warn(`${suite}: skipped, no pwsh here (npm run setup:pwsh enables it)`);
  return false;
}
