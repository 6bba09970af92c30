import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import { startMailSink, type MailSink } from './support/mail.js';
import {
  adminApi,
  runCli,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';

/**
 * The console's admin pages for where content is and who is told: sites and distribution
 * points (register one, its token shown once; what is missing where, until the point
 * reports it staged; remove), the e-mail templates (change one, a bad placeholder refused
 * at its field) and the e-mails sent, and webhooks (create one, see its delivery, remove
 * it). A viewer sees the pages without their actions. axe on every page, photographed.
 */
/** More than the computers page's 50, so its filter and paging must be the server's. */
const COMPUTERS = 55;

describe('the web console: distribution, e-mail and webhooks', () => {
  const adminToken = 'rm_admin_e2e-console-admin-0123456789';
  const password = 'correct horse battery';
  const install = 'true\n';
  let work: string;
  let mail: MailSink;
  let receiver: Server;
  let receiverUrl = '';
  let received = 0;
  let server: ServerProcess;
  let admin: AdminApi;
  let browser: Browser;
  let page: Page;
  let deploymentId = '';

  async function checkPage(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }

  /** Clicks Refresh (the first on the page) until `read` gives `want`. */
  async function refreshUntil(read: () => Promise<unknown>, want: unknown): Promise<void> {
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).first().click();
          return read();
        },
        { timeout: 20_000 },
      )
      .toEqual(want);
  }

  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-admin-'));
    mail = await startMailSink();
    // A webhook receiver that takes every delivery.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received += 1;
        res.end('ok');
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: [
        '--smtp-host',
        '127.0.0.1',
        '--smtp-port',
        String(mail.port),
        '--mail-from',
        'ringmaster@example.com',
        '--notify-admins',
        'it-ops@example.com',
      ],
    });
    admin = adminApi(server, adminToken);
    await admin('POST', '/api/v1/users', { name: 'vera', role: 'viewer', password });

    const dir = path.join(work, 'ADMIN-FIX');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'install.sh'), install);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify(manifestFactory({ id: 'ADMIN-FIX', uninstall: undefined })),
    );
    const imported = await runCli(['update', 'import', dir, '--json'], {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
    });
    expect(imported.code, imported.stderr).toBe(0);

    // More computers than a page, at site paris; none checks in, so the deployment stays live.
    await admin('POST', '/api/v1/groups', { name: 'paris-desks' });
    const enrollment = await admin<{ token: string }>('POST', '/api/v1/enrollments', {
      group: 'paris-desks',
      uses: COMPUTERS,
    });
    for (let n = 1; n <= COMPUTERS; n++) {
      const enrolled = await fetch(`${server.url}/agent/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          enrollmentToken: enrollment.token,
          inventory: inventoryFactory({
            hostname: `paris-${String(n).padStart(2, '0')}`,
            site: 'paris',
          }),
          nonce: `e2eadmin${n}`.padEnd(64, 'x'),
        }),
      });
      expect(enrolled.status, await enrolled.text()).toBe(201);
    }

    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
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
    await mail?.close();
    await new Promise((ok) => receiver?.close(ok));
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'registers a point, shows what is missing where until it reports the file staged, removes one',
    { timeout: 90_000 },
    async () => {
      await nav('Distribution').click();
      await page.getByRole('heading', { name: 'Sites and distribution points' }).waitFor();
      await page
        .getByText('No distribution point: every computer downloads from the server.')
        .waitFor();
      await page.getByText('No live deployment.').waitFor();

      // A bad URL is refused at its field, in the server's words.
      await page.locator('#point-site').fill('paris');
      await page.getByLabel('URL', { exact: true }).fill('ftp://dp1.paris.example.com/');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect
        .poll(() => page.locator('#point-url-problem').textContent())
        .toContain('an http:// or https:// URL');
      await page.getByLabel('URL', { exact: true }).fill('http://dp1.paris.example.com:8081/');
      await page.getByRole('button', { name: 'Register' }).click();
      const token = await page.getByTestId('point-token').textContent();
      expect(token).toMatch(/\S{20,}/);
      // A read-only point at another site, through the API.
      await admin('POST', '/api/v1/distribution-points', {
        site: 'lyon',
        url: 'https://static.lyon.example.com/content/',
        kind: 'static',
      });

      deploymentId = (
        await admin<{ id: string }>('POST', '/api/v1/deployments', {
          update: 'ADMIN-FIX',
          group: 'paris-desks',
        })
      ).id;
      const status = page.getByRole('article').filter({ hasText: deploymentId });
      await refreshUntil(async () => {
        if ((await status.count()) === 0) return null;
        return status.getByTestId('content-ready').textContent();
      }, 'Not ready');
      await status.getByText('not reported yet').waitFor();
      expect(await status.textContent()).toContain('install.sh');
      await page.getByRole('row', { name: /lyon/ }).first().waitFor();
      await checkPage('distribution');

      // The point reports the file staged: nothing is missing any more.
      const sha256 = createHash('sha256').update(install).digest('hex');
      const staged = await fetch(`${server.url}/agent/v1/distribution-point/staging`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ files: [{ sha256, state: 'staged' }] }),
      });
      expect(staged.status, await staged.text()).toBe(200);
      await refreshUntil(
        () => status.getByTestId('content-ready').textContent(),
        'Ready: every file staged',
      );

      await page.getByRole('button', { name: /^Remove https:\/\/static\.lyon/ }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.textContent()).toContain('its token is refused');
      await dialog.getByRole('button', { name: 'Remove' }).click();
      await expect
        .poll(() => page.getByRole('button', { name: /^Remove https:\/\/static\.lyon/ }).count())
        .toBe(0);
    },
  );

  it(
    'adds a subnet rule (a bad subnet refused at its field) and removes it',
    { timeout: 60_000 },
    async () => {
      await nav('Distribution').click();
      await page.getByRole('heading', { name: 'Subnet rules' }).waitFor();
      await page.getByText('No subnet rule: every site comes from the agents.').waitFor();
      await page.locator('#rule-cidr').fill('10.1.2.3/16');
      await page.locator('#rule-site').fill('paris');
      await page.getByRole('button', { name: 'Add rule' }).click();
      await expect
        .poll(() => page.locator('#rule-cidr-problem').textContent())
        .toContain('the subnet is 10.1.0.0/16');
      await page.locator('#rule-cidr').fill('10.1.0.0/16');
      await page.getByRole('button', { name: 'Add rule' }).click();
      await page.getByText(/Added 10\.1\.0\.0\/16 → paris/).waitFor();
      await page.getByRole('row', { name: /10\.1\.0\.0\/16 paris/ }).waitFor();
      await page.getByRole('button', { name: 'Remove the rule 10.1.0.0/16 (paris)' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByText('No subnet rule: every site comes from the agents.').waitFor();
    },
  );

  it(
    'changes an e-mail template (a bad placeholder refused at its field) and lists the e-mails sent',
    { timeout: 60_000 },
    async () => {
      await mail.to('it-ops@example.com', 1);
      await nav('E-mail').click();
      await page.getByRole('heading', { name: 'E-mail notifications' }).waitFor();
      const approved = page.getByRole('article').filter({ hasText: 'Approved:' });
      const subject = approved.getByLabel('Subject');
      await expect.poll(() => subject.inputValue()).toContain('{{updates}}');
      await subject.fill('Planned for {{hostname}}');
      await approved.getByRole('button', { name: 'Save the approved template' }).click();
      await expect
        .poll(() => page.locator('#template-approved-subject-problem').textContent())
        .toContain('hostname');
      await subject.fill('Planned: {{updates}} ({{deployment}})');
      await approved.getByRole('button', { name: 'Save the approved template' }).click();
      await approved.getByText('Saved: the e-mails queued from now on use it.').waitFor();
      await approved.getByText(/changed .* by first admin/).waitFor();
      const row = page.getByRole('row', { name: /it-ops@example\.com/ }).first();
      await refreshUntil(
        async () => (await row.count()) > 0 && (await row.textContent())?.includes('sent'),
        true,
      );
      await checkPage('notifications');

      await approved.getByRole('button', { name: 'Back to the built-in template' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Reset' }).click();
      await approved.getByText('the built-in template', { exact: true }).waitFor();
      expect(await subject.inputValue()).toBe('Planned: {{updates}} from {{when}}');
    },
  );

  it('creates a webhook, shows its delivery, and removes it', { timeout: 60_000 }, async () => {
    await nav('Webhooks').click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No webhook: create one below.').waitFor();
    await page.getByLabel('URL', { exact: true }).fill(receiverUrl);
    await page.getByLabel('Secret', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect
      .poll(() => page.locator('#webhook-secret-problem').textContent())
      .toContain('at least 16 characters');
    await page.getByLabel('Secret', { exact: true }).fill('a-webhook-secret-of-32-characters');
    await page.getByLabel('Events (optional)').fill('halt, halted');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText(`deployment events go to ${receiverUrl}`).waitFor();
    await admin('POST', `/api/v1/deployments/${deploymentId}/halt`, { reason: 'e2e' });
    await expect.poll(() => received, { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: `Deliveries to ${receiverUrl}` }).click();
    const deliveries = page.getByRole('region', { name: `Deliveries to ${receiverUrl}` });
    await expect
      .poll(
        async () => {
          await deliveries.getByRole('button', { name: 'Refresh' }).click();
          return deliveries.getByText('delivered', { exact: true }).count();
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    await checkPage('webhooks');
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await checkPage('webhooks-dark');
    await page.getByRole('button', { name: /Switch to light theme/ }).click();
    await page.getByRole('button', { name: `Remove ${receiverUrl}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No webhook: create one below.').waitFor();
  });

  it(
    'pages the computers on the server, and finds one beyond the first page',
    { timeout: 60_000 },
    async () => {
      // The overview's fleet health counts the whole fleet, not the first page of it.
      await nav('Overview').click();
      const figures = page.locator('section[aria-labelledby="fleet-h"] .tile .figure');
      await expect
        .poll(async () => (await figures.allTextContents()).reduce((n, t) => n + Number(t), 0))
        .toBe(COMPUTERS);
      await nav('Computers').click();
      const caption = page.locator('main table caption');
      await expect.poll(() => caption.textContent()).toBe(`Computers 1–50 of ${COMPUTERS}`);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect
        .poll(() => caption.textContent())
        .toBe(`Computers 51–${COMPUTERS} of ${COMPUTERS}`);
      await page.getByRole('link', { name: `paris-${COMPUTERS}` }).waitFor();
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByRole('link', { name: 'paris-01' }).waitFor();
      await page.getByLabel('Hostname or id').fill(`paris-${COMPUTERS}`);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => caption.textContent()).toBe('Computers 1–1 of 1 matching');
      await page.getByLabel('Sort by').selectOption('enrolledAt');
      await page.getByLabel('Hostname or id').fill('');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByLabel('Order').selectOption('desc');
      await expect.poll(() => caption.textContent()).toBe(`Computers 1–50 of ${COMPUTERS}`);
      await checkPage('computers-paged');
    },
  );

  it('shows a viewer the pages without their actions', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(server.url);
    await page.getByLabel('User name or e-mail').fill('vera');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await nav('Distribution').click();
    // The point's row (the content status names it too).
    await page.getByRole('row', { name: /^paris 0 http:\/\/dp1\.paris/ }).waitFor();
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Register a distribution point' }).count()).toBe(
      0,
    );
    await page.getByRole('heading', { name: 'Subnet rules' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add rule' }).count()).toBe(0);
    await nav('E-mail').click();
    await page
      .getByRole('article')
      .filter({ hasText: 'Approved:' })
      .getByLabel('Subject')
      .waitFor();
    expect(await page.getByRole('button', { name: /^Save the/ }).count()).toBe(0);
    await nav('Webhooks').click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    expect(await page.getByRole('heading', { name: 'New webhook' }).count()).toBe(0);
  });
});
