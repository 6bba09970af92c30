import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineView } from '../src/contracts/baseline.js';
import { manifestFactory } from './factories/update.factory.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import {
  adminApi,
  runCli,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';

/**
 * The Baselines page in Chromium against a real server process: an admin creates a
 * baseline (a bad one first, refused at its fields in the server's words), edits it,
 * deletes it after the confirmation; a viewer sees the baselines without any control.
 * axe on every state of the page, photographed.
 */
describe('the web console: baselines', () => {
  const adminToken = 'rm_admin_e2e-console-baselines-0123456789';
  const password = 'correct horse battery';
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
  const baseline = (name: string) => admin<BaselineView>('GET', `/api/v1/baselines/${name}`);

  async function signIn(name: string): Promise<void> {
    await page.goto(server.url);
    await page.getByLabel('User name or e-mail').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-baselines-'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    admin = adminApi(server, adminToken);
    for (const id of ['BSL-FIX-1', 'BSL-FIX-2']) {
      const dir = path.join(work, id);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'install.sh'), 'true\n');
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify(manifestFactory({ id, uninstall: undefined })),
      );
      const imported = await runCli(['update', 'import', dir, '--json'], {
        RINGMASTER_URL: server.url,
        RINGMASTER_TOKEN: adminToken,
      });
      expect(imported.code, imported.stderr).toBe(0);
    }
    for (const name of ['office', 'lab']) await admin('POST', '/api/v1/groups', { name });
    await admin('POST', '/api/v1/users', { name: 'ada', role: 'admin', password });
    await admin('POST', '/api/v1/users', { name: 'vera', role: 'viewer', password });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'creates a baseline (a bad one refused at its fields), edits it, deletes it after the confirmation',
    { timeout: 90_000 },
    async () => {
      await signIn('ada');
      await nav('Baselines').click();
      await page.getByRole('heading', { name: 'Baselines', exact: true }).waitFor();
      await page.getByText('No baselines yet: create one below.').waitFor();
      const form = page.getByRole('region', { name: 'New baseline' });

      // A bad name and no group: the 400 names both fields.
      await form.getByLabel('Name').fill('-desks');
      await form.getByRole('button', { name: 'Create baseline' }).click();
      await expect
        .poll(() => page.locator('#new-baseline-name-problem').textContent())
        .toContain('must start with a letter or digit');
      expect(await page.locator('#new-baseline-groups-problem').textContent()).toBeTruthy();
      expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
      // An unknown update: the 404 says which, at the updates.
      await form.getByLabel('Name').fill('desks');
      await form.getByLabel('Groups').fill('office');
      await form.getByLabel('Updates').fill('BSL-FIX-1\nNO-SUCH-FIX');
      await form.getByRole('button', { name: 'Create baseline' }).click();
      await expect
        .poll(() => page.locator('#new-baseline-updates-problem').textContent())
        .toBe('update "NO-SUCH-FIX" was not found');
      await checkPage('baselines-bad-input');

      await form.getByLabel('Description (optional)').fill('what every desk must have');
      await form.getByLabel('Updates').fill('BSL-FIX-1');
      await form.getByRole('button', { name: 'Create baseline' }).click();
      await page.getByRole('status').filter({ hasText: 'Created baseline desks.' }).waitFor();
      const row = page.getByRole('row', { name: /^desks / });
      await row.waitFor();
      expect(await row.textContent()).toContain('what every desk must have');
      expect(await baseline('desks')).toMatchObject({
        description: 'what every desk must have',
        groups: ['office'],
        updates: ['BSL-FIX-1'],
        createdBy: 'ada',
      });
      await checkPage('baselines');

      // Edit: rename, another group, both updates, no description.
      await page.getByRole('button', { name: 'Edit desks' }).click();
      const edit = page.getByRole('region', { name: 'Edit baseline desks' });
      expect(await edit.getByLabel('Groups').inputValue()).toBe('office');
      await edit.getByLabel('Groups').fill('office, lab');
      await edit.getByLabel('Updates').fill('BSL-FIX-1\nBSL-FIX-2');
      await edit.getByLabel('Name').fill('all-desks');
      await edit.getByLabel('Description (optional)').fill('');
      await checkPage('baselines-edit');
      await edit.getByRole('button', { name: 'Save baseline' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved baseline all-desks.' }).waitFor();
      await page.getByRole('row', { name: /^all-desks lab, office 2 / }).waitFor();
      expect(await baseline('all-desks')).toMatchObject({
        description: null,
        groups: ['lab', 'office'],
        updates: ['BSL-FIX-1', 'BSL-FIX-2'],
      });
      // A name taken is refused at the name, and nothing changes.
      await admin('POST', '/api/v1/baselines', { name: 'labs', groups: ['lab'] });
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('button', { name: 'Edit all-desks' }).click();
      const again = page.getByRole('region', { name: 'Edit baseline all-desks' });
      await again.getByLabel('Name').fill('labs');
      await again.getByRole('button', { name: 'Save baseline' }).click();
      await expect
        .poll(() => page.locator('#edit-baseline-name-problem').textContent())
        .toBe('baseline "labs" already exists');
      await again.getByRole('button', { name: 'Cancel' }).click();
      expect(await again.count()).toBe(0);

      // Delete, after the confirmation: cancelling it first keeps the baseline.
      await page.getByRole('button', { name: 'Delete all-desks' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete baseline all-desks?' });
      expect(await dialog.textContent()).toContain('2 groups and 2 updates stay as they are');
      await checkPage('baselines-delete-confirm');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await dialog.count()).toBe(0);
      expect((await baseline('all-desks')).name).toBe('all-desks');
      await page.getByRole('button', { name: 'Delete all-desks' }).click();
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted baseline all-desks.' }).waitFor();
      await expect.poll(() => page.getByRole('row', { name: /^all-desks / }).count()).toBe(0);
      await expect(baseline('all-desks')).rejects.toThrow(/404/);
      await page.getByRole('row', { name: /^labs / }).waitFor();
    },
  );

  it('shows a viewer the baselines without a control to change them', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('vera');
    await nav('Baselines').click();
    await page.getByRole('row', { name: /^labs / }).waitFor();
    expect(await page.getByRole('button', { name: /^(Edit|Delete) / }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'New baseline' }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    await checkPage('baselines-viewer');
  });
});
