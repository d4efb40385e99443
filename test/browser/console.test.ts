import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2e, startE2e } from '../e2e/harness.js';
import { buildConsole, chromiumRuns, launch, openSignedIn, SCREENSHOTS } from './harness.js';

const runs = await chromiumRuns('console browser tests');
let e2e: E2e;
let browser: Browser;
const READ = 'session-janitor/read';

beforeAll(async () => {
  if (!runs) return;
  const policy = JSON.parse(await readFile('local/demo-policy.json', 'utf8'));
  [e2e, browser] = await Promise.all([startE2e(policy), launch(), buildConsole()]).then(
    ([a, b]) => [a, b] as const
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await e2e?.stop();
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

describe.runIf(runs)('the console against the local runtime', () => {
  it('shows a host: its live sessions against the policy, its files and its shells', async () => {
    const host = e2e.hostId('RDSH-DE-01');
    const page = await openSignedIn(
      browser,
      e2e.runtime.apiUrl,
      e2e.runtime.token,
      `#/host/${host}`
    );
    const sessions = page.getByRole('table', { name: `Live sessions on ${host}` });
    await sessions.waitFor();
    for (const session of e2e.runtime.fleet.host(host).sessions) {
      await expect(
        sessions
          .getByRole('cell', { name: session.userName.replace(/^.*\\/, ''), exact: true })
          .first()
          .isVisible()
      ).resolves.toBe(true);
    }
    // The demo policy's strict group, and what it means for the console and the service account.
    await expect(page.getByText("Policy group 'strict'").isVisible()).resolves.toBe(true);
    await expect(
      page.getByText('the console session: the policy never touches it.').isVisible()
    ).resolves.toBe(true);
    await expect(page.getByText("excluded by 'svc_*'").first().isVisible()).resolves.toBe(true);
    await page.getByRole('heading', { name: 'Remote shells' }).waitFor();
    await page.locator('#shells .section-body:not([aria-busy])').waitFor();
    await page.locator('#files .section-body:not([aria-busy])').waitFor();
    await shot(page, 'host-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'host-390');
    await page.context().close();
  });

  it('logs a ticket session off from the Host page: confirmed by name, succeeded, then in the Trail', async () => {
    const host = e2e.hostId('RDSH-US-01');
    const sessionId = e2e.runtime.fleet.addSession(host, {
      user: 'CORP\\browser.stuck',
      idleMinutes: 3,
    });
    const page = await openSignedIn(
      browser,
      e2e.runtime.apiUrl,
      e2e.runtime.token,
      `#/host/${host}`
    );
    await page
      .getByRole('button', { name: `Log off: browser.stuck's session ${sessionId}`, exact: false })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Ticket').fill('INC-7001');
    await dialog.getByLabel('Reason').fill('session frozen after a VPN drop');
    await dialog.getByRole('button', { name: 'Review' }).click();
    // The confirmation names the user and the session before anything is sent.
    const confirm = dialog.getByRole('button', {
      name: /^Confirm: log off browser\.stuck's session/,
    });
    await expect(confirm.textContent()).resolves.toContain(`session ${sessionId}`);
    await shot(page, 'host-logoff-confirm');
    await confirm.click();
    await dialog
      .getByTestId('action-status')
      .filter({ hasText: 'succeeded' })
      .waitFor({ timeout: 20_000 });
    await shot(page, 'host-logoff-succeeded');
    expect(e2e.runtime.fleet.host(host).sessions.map((s) => s.id)).not.toContain(sessionId);

    await dialog.getByRole('link', { name: /^act_/ }).click();
    await page.getByLabel('Ticket').fill('INC-7001');
    await page.getByRole('button', { name: 'Show' }).click();
    const card = page.locator('details.action').filter({ hasText: 'browser.stuck' });
    await card.locator('summary').click();
    await expect(card.getByRole('list', { name: 'Timeline' }).textContent()).resolves.toMatch(
      /planned.*dispatched.*succeeded/s
    );
    await expect(card.textContent()).resolves.toContain('ticket INC-7001 by local-operator');
    await expect(card.getByText('SSM command:').isVisible()).resolves.toBe(true);
    await shot(page, 'trail-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'trail-390');
    await page.context().close();
  });

  it('shows a read-only token no action button', async () => {
    const host = e2e.hostId('RDSH-DE-02');
    const token = await e2e.token([READ], 'auditor');
    const page = await openSignedIn(browser, e2e.runtime.apiUrl, token, `#/host/${host}`);
    await page.getByRole('table', { name: `Live sessions on ${host}` }).waitFor();
    await page.locator('#files .section-body:not([aria-busy])').waitFor();
    await page.locator('#shells .section-body:not([aria-busy])').waitFor();
    await expect(page.locator('button.act').count()).resolves.toBe(0);
    await expect(page.getByText('auditor · read').isVisible()).resolves.toBe(true);
    // The same page with the operator's token offers them.
    const operator = await openSignedIn(
      browser,
      e2e.runtime.apiUrl,
      e2e.runtime.token,
      `#/host/${host}`
    );
    await operator.getByRole('table', { name: `Live sessions on ${host}` }).waitFor();
    await expect(operator.locator('button.act').count()).resolves.toBeGreaterThan(0);
    await page.context().close();
    await operator.context().close();
  });

  it("shows the API's words for a 400 and a 403", async () => {
    const host = e2e.hostId('RDSH-FR-01');
    const before = e2e.actionCommands();
    const page = await openSignedIn(
      browser,
      e2e.runtime.apiUrl,
      e2e.runtime.token,
      `#/host/${host}`
    );
    await page
      .getByRole('button', { name: /^Log off: / })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Ticket').fill('INC-7002');
    await dialog.getByLabel('Reason').fill('bye; Stop-Computer');
    await dialog.getByRole('button', { name: 'Review' }).click();
    await dialog.getByRole('button', { name: /^Confirm: / }).click();
    const alert = dialog.getByRole('alert');
    await expect(alert.textContent()).resolves.toMatch(
      /HTTP 400 bad-request.*body\.reason.*must be up to 500 characters/s
    );
    await shot(page, 'error-400');
    expect(e2e.actionCommands()).toBe(before);

    const unmanaged = e2e.hostId('RDSH-LAB-01');
    await page.goto(`${e2e.runtime.apiUrl}/#/host/${unmanaged}`);
    const refused = page.locator('#sessions').getByRole('alert');
    await expect(refused.textContent()).resolves.toMatch(
      /HTTP 403 forbidden.*does not carry the tag session-janitor:managed=true/s
    );
    await shot(page, 'error-403');
    await page.context().close();
  });

  it('shows the fleet: every managed host with its locale, group, SSM status and live counts', async () => {
    const page = await openSignedIn(browser, e2e.runtime.apiUrl, e2e.runtime.token, '#/fleet');
    const hosts = page.getByRole('table', { name: 'Managed hosts' });
    await hosts.waitFor();
    // The live counts fill in as each host answers its listing: twenty listings, each a command
    // on the simulated fleet, take seconds on a loaded machine (poll's default is one second).
    await expect
      .poll(() => hosts.getByText('…', { exact: true }).count(), { timeout: 20_000 })
      .toBe(0);
    const de = e2e.hostId('RDSH-DE-01');
    const row = hosts.getByRole('row').filter({ has: page.getByRole('cell', { name: de }) });
    await expect(row.textContent()).resolves.toMatch(/de-DE.*strict.*Online/s);
    const sessions = e2e.runtime.fleet.host(de).sessions;
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[5]).toBe(String(sessions.length));
    expect(cells[7]).toBe(String(sessions.filter((s) => s.state === 'disconnected').length));
    // The unmanaged lab host is not a managed host.
    await expect(
      hosts.getByRole('cell', { name: e2e.hostId('RDSH-LAB-01') }).count()
    ).resolves.toBe(0);
    await shot(page, 'fleet-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'fleet-390');
    await page.context().close();
  });

  it("shows the sweeps: a chart of actions per sweep by outcome and each sweep's summary", async () => {
    const first = await e2e.runtime.sweepNow(e2e.runtime.fleet.now());
    await e2e.runtime.settle();
    e2e.runtime.fleet.advance(30);
    const second = await e2e.runtime.sweepNow(e2e.runtime.fleet.now());
    await e2e.runtime.settle();
    const page = await openSignedIn(browser, e2e.runtime.apiUrl, e2e.runtime.token, '#/sweeps');
    const chart = page.getByRole('img', { name: /^Actions per sweep, \d+ sweeps/ });
    await chart.waitFor();
    await expect(page.locator('.chart rect.seg').count()).resolves.toBeGreaterThan(0);
    // Oldest on the left: the first and last bars are labelled with their sweeps' own times.
    const labels = await page
      .locator('.chart text.axis-label[text-anchor="middle"]')
      .allTextContents();
    const hhmm = (sweepId: string) => sweepId.slice(14, 19);
    expect(labels.at(-1)).toBe(hhmm(second.sweepId));
    const list = page.getByRole('table', { name: 'Sweeps, newest first' });
    const rows = await list.getByRole('row').allTextContents();
    // Newest first: the header, then the second sweep, then the first.
    expect(rows[1]).toContain(second.sweepId);
    expect(rows[2]).toContain(first.sweepId);
    await shot(page, 'sweeps-1280');
    await page.goto(`${e2e.runtime.apiUrl}/#/sweeps?id=${encodeURIComponent(first.sweepId)}`);
    const detail = page.getByRole('region', { name: `Sweep ${first.sweepId}` });
    await detail.locator('dl.facts').waitFor();
    await expect(detail.textContent()).resolves.toMatch(/Asked\s*\d+ hosts.*Saw\s*\d+ sessions/s);
    await shot(page, 'sweep-detail');
    await page.context().close();
  });
});
