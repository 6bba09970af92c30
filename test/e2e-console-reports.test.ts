import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgents, type AgentFleet } from './support/agents.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import {
  adminApi,
  runCli,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * The console's reports against a real server and six real agents, four at site tokyo
 * and two at site osaka, whose installs are made to fail: the reports page shows the
 * scan's compliance counts (and its CSV), the deployment page names osaka as the first
 * thing that sets the failed computers apart and draws its progress, and the overview
 * raises the stale and discrepant computers with links to them. axe on every page.
 */
const TOKYO = 4;
const OSAKA = 2;
const COMPUTERS = TOKYO + OSAKA;

type Page_<T> = { items: T[]; total: number };
type Computer = { id: string; hostname: string; site: string | null };
type ComplianceRow = { key: string; installed: number; failed: number; required: number };

describe('the console reports', () => {
  const adminToken = 'rm_admin_e2e-console-reports-0123456789';
  let work: string;
  let server: ServerProcess;
  let api: AdminApi;
  const fleets: AgentFleet[] = [];
  let browser: Browser;
  let page: Page;
  let deploymentId = '';
  let computers: Computer[] = [];

  const cli = async (...args: string[]) => {
    const env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as { token?: string; id?: string };
  };

  const marker = (id: string, computerId: string) => path.join(work, 'host', `${id}.${computerId}`);

  /** Installs by leaving a marker; fails (exit 5) where the test left a `fail.` file. */
  function updateDir(id: string): string {
    const dir = path.join(work, 'updates', id);
    mkdirSync(dir, { recursive: true });
    const host = path.join(work, 'host');
    writeFileSync(
      path.join(dir, 'install.sh'),
      `if [ -f "${host}/fail.$RINGMASTER_COMPUTER_ID" ]; then echo "no room" >&2; exit 5; fi\n` +
        `touch "${host}/${id}.$RINGMASTER_COMPUTER_ID"\n`,
    );
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: 'Reports test fix',
        severity: 'important',
        platforms: [{ os: 'linux' }],
        files: ['install.sh'],
        detect: { type: 'command', command: `test -f "${host}/${id}.$RINGMASTER_COMPUTER_ID"` },
        install: { command: 'sh install.sh', timeoutSeconds: 30 },
      }),
    );
    return dir;
  }

  /** Photographs the page from `heading` down (no tooltip), then runs axe on it. */
  async function checkPage(name: string, heading?: string): Promise<void> {
    if (heading)
      await page.evaluate(
        `document.getElementById(${JSON.stringify(heading)}).scrollIntoView({ block: 'start' })`,
      );
    await page.mouse.move(1, 1);
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }

  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

  const complianceRow = async (by: string, key: string) => {
    const report = await api<{ rows: ComplianceRow[] }>(
      'GET',
      `/api/v1/reports/compliance?by=${by}`,
    );
    return report.rows.find((r) => r.key === key);
  };

  /** The figure in a cell of the compliance table. */
  const cell = (key: string, state: string) =>
    page.locator(
      `[data-testid="compliance-table"] tr[data-key="${key}"] td[data-state="${state}"]`,
    );

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-reports-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: ['--checkin-interval', '2'],
    });
    api = adminApi(server, adminToken);
    await cli('update', 'import', updateDir('REPORT-FIX'));
    await cli('update', 'import', updateDir('REPORT-LATER'));
    await cli('group', 'create', 'fleet');
    const enrollment = await cli('enrollment', 'create', '--group', 'fleet', '--uses', '10');
    for (const [site, count] of [
      ['tokyo', TOKYO],
      ['osaka', OSAKA],
    ] as const) {
      fleets.push(
        startAgents({
          count,
          server: server.url,
          enrollmentToken: enrollment.token ?? '',
          workDir: path.join(work, 'agents'),
          prefix: site,
          args: ['--site', site],
        }),
      );
    }
    await waitFor(
      `${COMPUTERS} computers to enroll`,
      async () => (await api<Page_<Computer>>('GET', '/api/v1/computers')).total === COMPUTERS,
      90_000,
    );
    computers = (await api<Page_<Computer>>('GET', '/api/v1/computers')).items;
    // The failure is planted on site osaka: its computers' installs exit 5.
    for (const c of computers.filter((c) => c.site === 'osaka'))
      writeFileSync(path.join(work, 'host', `fail.${c.id}`), '');
    // One attempt each, and a short recurrence: the failed ones soon need investigation.
    deploymentId =
      (
        await cli(
          'deployment',
          'create',
          '--update',
          'REPORT-FIX',
          '--group',
          'fleet',
          '--max-attempts',
          '1',
          '--recurrence',
          '15s',
        )
      ).id ?? '';
    await waitFor(
      'the scan to find REPORT-FIX on the tokyo computers and the osaka installs to fail',
      async () => {
        const row = await complianceRow('update', 'REPORT-FIX');
        return row?.installed === TOKYO && row.failed === OSAKA;
      },
      120_000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      acceptDownloads: true,
    });
    page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('radio', { name: 'Token' }).check();
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    for (const fleet of fleets) await fleet.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'the reports page shows compliance from the scan by update and by group, and its CSV',
    { timeout: 60_000 },
    async () => {
      await nav('Reports').click();
      await page.getByRole('heading', { name: 'Reports' }).waitFor();
      await cell('REPORT-FIX', 'installed').waitFor();
      expect(await cell('REPORT-FIX', 'installed').textContent()).toBe(String(TOKYO));
      expect(await cell('REPORT-FIX', 'failed').textContent()).toBe(String(OSAKA));
      expect(await cell('REPORT-FIX', 'required').textContent()).toBe('0');
      // Never deployed: the scan says every computer still needs it.
      expect(await cell('REPORT-LATER', 'required').textContent()).toBe(String(COMPUTERS));
      expect(await cell('REPORT-LATER', 'installed').textContent()).toBe('0');
      expect(await page.getByTestId('compliance-generated').textContent()).toMatch(/^Computed /);
      expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
      await checkPage('reports');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('compliance-by-update.csv');
      const csv = readFileSync(await download.path(), 'utf8');
      expect(csv).toContain('REPORT-FIX');
      expect(csv).toContain('REPORT-LATER');

      await page.locator('#compliance-by').selectOption('group');
      await cell('fleet', 'installed').waitFor();
      // By group: both updates, every computer of the fleet.
      expect(await cell('fleet', 'installed').textContent()).toBe(String(TOKYO));
      expect(await cell('fleet', 'required').textContent()).toBe(String(COMPUTERS));
      expect(await cell('fleet', 'failed').textContent()).toBe(String(OSAKA));
    },
  );

  it(
    'the deployment page names site osaka first among what sets the failures apart, and draws the progress',
    { timeout: 60_000 },
    async () => {
      await page.goto(`${server.url}/deployments/${deploymentId}`);
      await page.getByRole('heading', { name: `Deployment ${deploymentId}` }).waitFor();
      const first = page.getByTestId('failure-clusters').locator('li').first();
      await first.waitFor();
      expect(await first.textContent()).toContain(
        `${OSAKA} of ${OSAKA} failures on site osaka, which holds 33.3% of the target`,
      );
      const chart = page.getByTestId('progress-chart');
      await chart.locator('.recharts-line').first().waitFor();
      expect(await chart.locator('.recharts-line').count()).toBeGreaterThan(0);
      expect(await chart.locator('figcaption').textContent()).toContain(`${TOKYO} installed`);
      await page.locator('#progress-phase').selectOption({ index: 1 });
      await chart.locator('.recharts-line').first().waitFor();
      expect(await chart.locator('figcaption').textContent()).toMatch(/phase \S+/);
      await page.getByText('Live', { exact: true }).waitFor();
      await checkPage('deployment-reports', 'progress-h');
      await checkPage('deployment-failures', 'failures-h');
    },
  );

  it(
    'the overview raises stale and discrepant computers, and links to them',
    { timeout: 90_000 },
    async () => {
      // Take the update off a tokyo computer behind the deployment's back, and scan it.
      const victim = computers.find((c) => c.site === 'tokyo');
      if (!victim) throw new Error('no tokyo computer');
      rmSync(marker('REPORT-FIX', victim.id));
      await cli('scan', victim.hostname);
      await waitFor(
        'the scan to contradict the installed status',
        async () => (await api<unknown[]>('GET', '/api/v1/reports/discrepancies')).length === 1,
        60_000,
      );
      await waitFor(
        'the failed osaka computers to need investigation',
        async () => (await api<unknown[]>('GET', '/api/v1/reports/stale')).length === OSAKA,
        60_000,
      );
      await nav('Overview').click();
      await page.getByRole('heading', { name: 'Alerts' }).waitFor();
      const stale = page.getByTestId('alert-stale');
      await stale.waitFor();
      expect(await stale.textContent()).toContain(`${OSAKA} computers need investigation`);
      const discrepant = page.getByTestId('alert-discrepant');
      expect(await discrepant.textContent()).toContain('1 computer where the scan contradicts');
      expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
      await checkPage('overview-reports');

      await discrepant.getByRole('link').click();
      const table = page.getByTestId('discrepancies-table');
      await table.waitFor();
      expect(await table.getByRole('link', { name: victim.hostname }).count()).toBe(1);
      const staleTable = page.getByTestId('stale-table');
      await staleTable.waitFor();
      expect(await staleTable.locator('tbody tr').count()).toBe(OSAKA);
      expect(await staleTable.textContent()).toContain('never (assigned');
      await checkPage('reports-discrepancies', 'discrepancies-h');

      await page.getByRole('button', { name: /Switch to dark theme/ }).click();
      await checkPage('reports-dark', 'compliance-h');
    },
  );
});
