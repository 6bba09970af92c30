import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestFactory } from './factories/update.factory.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import {
  adminApi,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';

/**
 * The console's Updates, Deployments and Groups pages with more rows than a page of 50:
 * the second page and a search reach rows beyond the first 50, so the filters, the sort
 * and the paging are the server's, not the browser's over a first page. axe on each.
 */
const ROWS = 55;
const n = (i: number) => String(i).padStart(2, '0');
const updateId = (i: number) => `E2E-UPD-${n(i)}`;

describe('the web console: updates, deployments and groups paged by the server', () => {
  const adminToken = 'rm_admin_e2e-console-lists-0123456789';
  let work: string;
  let server: ServerProcess;
  let admin: AdminApi;
  let browser: Browser;
  let page: Page;

  async function checkPage(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }
  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
  const caption = () => page.locator('main table caption');
  const rowLink = (name: string) =>
    page.locator('main table').getByRole('link', { name, exact: true });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-lists-'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    admin = adminApi(server, adminToken);
    // Groups team-01…55, every fifth by query; updates 01…55, each deployed to team-01.
    for (let i = 1; i <= ROWS; i++) {
      await admin('POST', '/api/v1/groups', {
        name: `team-${n(i)}`,
        ...(i % 5 === 0 ? { query: `site = "site-${n(i)}"` } : {}),
      });
    }
    for (let i = 1; i <= ROWS; i++) {
      const manifest = manifestFactory({
        id: updateId(i),
        title: i === 7 ? 'Printer driver refresh' : `Kernel fix ${n(i)}`,
        severity: i === 7 ? 'low' : 'critical',
        files: [],
        install: { command: 'true', timeoutSeconds: 60 },
        uninstall: undefined,
      });
      await admin('POST', '/api/v1/updates', { manifest, files: [] });
      await admin('POST', '/api/v1/deployments', { update: updateId(i), group: 'team-01' });
    }
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('radio', { name: 'Token' }).check();
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('pages the updates, and searches past the first page', { timeout: 60_000 }, async () => {
    await nav('Updates').click();
    await expect.poll(() => caption().textContent()).toBe(`Updates 1–50 of ${ROWS}`);
    // Newest first: the oldest five are on page 2.
    expect(await rowLink(updateId(1)).count()).toBe(0);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => caption().textContent()).toBe(`Updates 51–${ROWS} of ${ROWS}`);
    await rowLink(updateId(1)).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await rowLink(updateId(ROWS)).waitFor();
    // By title, and by severity: an update the first page does not hold.
    await page.getByLabel('Id or title').fill('printer');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => caption().textContent()).toBe('Updates 1–1 of 1 matching');
    await rowLink(updateId(7)).waitFor();
    await page.getByLabel('Id or title').fill('');
    await page.getByLabel('Severity').selectOption('low');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => caption().textContent()).toBe('Updates 1–1 of 1 matching');
    await page.getByLabel('Severity').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByLabel('Sort by').selectOption('id');
    await page.getByLabel('Order').selectOption('asc');
    await expect.poll(() => caption().textContent()).toBe(`Updates 1–50 of ${ROWS}`);
    await rowLink(updateId(1)).waitFor();
    await checkPage('updates-paged');
  });

  it(
    'pages the deployments, and finds one by the update it carries',
    { timeout: 60_000 },
    async () => {
      await nav('Deployments').click();
      await expect.poll(() => caption().textContent()).toBe(`Deployments 1–50 of ${ROWS}`);
      const carrying = (i: number) =>
        page.locator('main table tbody tr').filter({ hasText: updateId(i) });
      expect(await carrying(1).count()).toBe(0);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => caption().textContent()).toBe(`Deployments 51–${ROWS} of ${ROWS}`);
      await carrying(1).waitFor();
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByLabel('Id or update').fill(updateId(2).toLowerCase());
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => caption().textContent()).toBe('Deployments 1–1 of 1 matching');
      await carrying(2).waitFor();
      await page.getByLabel('Id or update').fill('');
      await page.getByRole('combobox', { name: /^State/ }).selectOption('rolled-back');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('No deployment matches these filters.').waitFor();
      await page.getByRole('combobox', { name: /^State/ }).selectOption('');
      await page.getByLabel('Group').fill('team-01');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => caption().textContent()).toBe(`Deployments 1–50 of ${ROWS} matching`);
      await checkPage('deployments-paged');
    },
  );

  it('pages the groups, and filters them by name and kind', { timeout: 60_000 }, async () => {
    await nav('Groups').click();
    await expect.poll(() => caption().textContent()).toBe(`Groups 1–50 of ${ROWS}`);
    expect(await rowLink(`team-${ROWS}`).count()).toBe(0);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => caption().textContent()).toBe(`Groups 51–${ROWS} of ${ROWS}`);
    await rowLink(`team-${ROWS}`).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('searchbox', { name: 'Name' }).fill('M-54');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => caption().textContent()).toBe('Groups 1–1 of 1 matching');
    await rowLink('team-54').waitFor();
    await page.getByRole('searchbox', { name: 'Name' }).fill('');
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('query');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => caption().textContent()).toBe(`Groups 1–11 of 11 matching`);
    await page.getByLabel('Order').selectOption('desc');
    await expect
      .poll(() => page.locator('main table tbody tr td:first-child').first().textContent())
      .toBe(`team-${ROWS}`);
    await checkPage('groups-paged');
  });
});
