import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = process.env.JANITOR_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = 'test-results/console';

/**
 * Whether the browser tests can run here. Without Chromium they are skipped with one line,
 * unless `JANITOR_REQUIRE_CHROMIUM=1` (CI) makes its absence a failure.
 */
export async function chromiumRuns(suite: string): Promise<boolean> {
  const present = await access(CHROMIUM).then(
    () => true,
    () => false
  );
  if (present) return true;
  if (process.env.JANITOR_REQUIRE_CHROMIUM === '1') {
    throw new Error(
      `${suite}: JANITOR_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing: apt-get install -y chromium`
    );
  }
  console.warn(`${suite}: skipped, no ${CHROMIUM} here (apt-get install -y chromium enables it)`);
  return false;
}

/** The console as npm start serves it: built by the project's own script when stale. */
export async function buildConsole(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build-console.mjs', '--if-stale']);
}

export async function launch(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** A page signed in with `token` (handed over in the fragment, as a bookmarklet would), at `hash`. */
export async function openSignedIn(
  browser: Browser,
  apiUrl: string,
  token: string,
  hash: string,
  width = 1280
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: width > 600 ? 900 : 844 },
  });
  // A step that cannot happen fails in its own words, well inside the test's timeout.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${apiUrl}/#token=${token}&${hash.replace(/^#/, '')}`);
  return page;
}
