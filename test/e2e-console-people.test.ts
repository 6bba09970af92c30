import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarGz } from './factories/archive.factory.js';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import {
  adminApi,
  runCli,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';

/**
 * The console with people: sign in with a user name and password as a viewer (no action
 * on a deployment, no New deployment, no Audit), as an admin (the actions, importing an
 * update archive through the Updates page, a group's windows on a week calendar, the audit
 * log) and as an auditor. New pages are checked with axe-core and photographed.
 */
describe('the web console, signed in as people with roles', () => {
  const adminToken = 'rm_admin_e2e-console-people-0123456789';
  const password = 'correct horse battery';
  let work: string;
  let server: ServerProcess;
  let admin: AdminApi;
  let browser: Browser;
  let page: Page;
  let deploymentId = '';

  async function checkPage(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }

  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

  async function signInAs(name: string): Promise<void> {
    await page.goto(server.url);
    await page.getByLabel('User name or e-mail').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }

  async function signOut(): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name or e-mail').waitFor();
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-people-'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    admin = adminApi(server, adminToken);
    for (const [name, role] of [
      ['vera', 'viewer'],
      ['ada', 'admin'],
      ['audrey', 'auditor'],
    ] as const) {
      await admin('POST', '/api/v1/users', { name, role, password, displayName: name });
    }
    // The CLI imports a packed update folder through the archive route.
    const manifest = manifestFactory({ id: 'PEOPLE-FIX' });
    const archive = path.join(work, 'people-fix.tar.gz');
    writeFileSync(
      archive,
      await tarGz([
        { name: 'PEOPLE-FIX/', folder: true },
        { name: 'PEOPLE-FIX/update.json', content: JSON.stringify(manifest) },
        { name: 'PEOPLE-FIX/install.sh', content: 'true\n' },
      ]),
    );
    const imported = await runCli(['update', 'import', archive, '--json'], {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
    });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ id: 'PEOPLE-FIX' });

    await admin('POST', '/api/v1/groups', { name: 'office' });
    await admin('PUT', '/api/v1/groups/office/windows', {
      windows: [
        { cron: '0 22 * * 1-5', durationMinutes: 240, timezone: 'UTC' },
        { cron: '0 9 * * 6', durationMinutes: 120, timezone: 'UTC' },
      ],
    });
    // One computer that never checks in keeps the deployment active.
    const enrollment = await admin<{ token: string }>('POST', '/api/v1/enrollments', {
      group: 'office',
    });
    const enrolled = await fetch(`${server.url}/agent/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        enrollmentToken: enrollment.token,
        inventory: inventoryFactory(),
        nonce: 'e2epeople'.repeat(8),
      }),
    });
    expect(enrolled.status, await enrolled.text()).toBe(201);
    deploymentId = (
      await admin<{ id: string }>('POST', '/api/v1/deployments', {
        update: 'PEOPLE-FIX',
        group: 'office',
      })
    ).id;

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
    'refuses a wrong password in words, then signs a viewer in: no action, no New deployment, no Audit',
    { timeout: 60_000 },
    async () => {
      await page.goto(server.url);
      await page.getByLabel('User name or e-mail').waitFor();
      await checkPage('sign-in-password');
      await page.getByLabel('User name or e-mail').fill('vera');
      await page.getByLabel('Password', { exact: true }).fill('not her password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain('the user name or password is wrong');

      await signInAs('vera');
      await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toContain('viewer');
      expect(await nav('New deployment').count()).toBe(0);
      expect(await nav('Audit').count()).toBe(0);
      await nav('Deployments').click();
      await page.getByRole('link', { name: deploymentId }).waitFor();
      expect(await page.getByRole('link', { name: 'New deployment' }).count()).toBe(0);
      await page.goto(`${server.url}/deployments/${deploymentId}`);
      await page.getByText('Your role does not act on deployments.').waitFor();
      expect(await page.getByRole('button', { name: 'Halt' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
      await checkPage('deployment-viewer');
      await signOut();
    },
  );

  it(
    'signs an admin in: the actions, an archive imported through the Updates page, a bad one refused',
    { timeout: 60_000 },
    async () => {
      await signInAs('ada');
      await page.goto(`${server.url}/deployments/${deploymentId}`);
      await page.getByRole('button', { name: 'Halt' }).waitFor();

      await nav('Updates').click();
      await page.getByRole('heading', { name: 'Import an update' }).waitFor();
      const bad = await tarGz([
        { name: 'update.json', content: JSON.stringify(manifestFactory()) },
        { name: '../escape.sh', content: 'true\n' },
      ]);
      await page
        .getByLabel('Update archive')
        .setInputFiles({ name: 'bad.tar.gz', mimeType: 'application/gzip', buffer: bad });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain('".." would reach outside the update folder');

      const good = await tarGz([
        { name: 'update.json', content: JSON.stringify(manifestFactory({ id: 'PAGE-FIX' })) },
        { name: 'install.sh', content: 'true\n' },
      ]);
      await page
        .getByLabel('Update archive')
        .setInputFiles({ name: 'page-fix.tar.gz', mimeType: 'application/gzip', buffer: good });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await expect
        .poll(() => page.getByRole('status').first().textContent())
        .toContain('Imported update PAGE-FIX');
      await page.getByRole('link', { name: 'PAGE-FIX' }).waitFor();
      await checkPage('updates-import');
    },
  );

  it("shows a group's maintenance windows on a week calendar", { timeout: 60_000 }, async () => {
    await nav('Groups').click();
    await page.getByRole('link', { name: 'office' }).click();
    await page.getByRole('heading', { name: 'Group office' }).waitFor();
    await page.getByText('Maintenance windows this week').waitFor();
    // Five weekday openings and Saturday's, each split where it crosses midnight, all seen.
    await expect.poll(() => page.getByTestId('calendar-block').count()).toBeGreaterThanOrEqual(6);
    expect(await page.getByRole('listitem', { name: /^Sat.*to/ }).count()).toBe(1);
    await checkPage('group-calendar');
  });

  it(
    'shows the audit log to an admin and an auditor, a page at a time, filtered',
    { timeout: 60_000 },
    async () => {
      await nav('Audit').click();
      await page.getByRole('heading', { name: 'Audit' }).waitFor();
      await page.getByRole('cell', { name: 'importUpdateArchive' }).first().waitFor();
      await checkPage('audit');
      await page.getByLabel('Action').fill('signIn');
      await page.getByRole('button', { name: 'Filter' }).click();
      // vera's refused password is there, without an actor.
      await page
        .getByRole('cell', { name: /401 unauthorized/ })
        .first()
        .waitFor();
      await signOut();

      await signInAs('audrey');
      expect(await nav('New deployment').count()).toBe(0);
      await nav('Audit').click();
      await page.getByRole('cell', { name: 'signIn' }).first().waitFor();
    },
  );

  it('passes axe on the new pages in the dark theme too', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.getByRole('cell', { name: 'signIn' }).first().waitFor();
    await checkPage('audit-dark');
    await page.goto(`${server.url}/groups/office`);
    await page.getByText('Maintenance windows this week').waitFor();
    await checkPage('group-calendar-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });
});
