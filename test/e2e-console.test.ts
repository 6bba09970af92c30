import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgents, type AgentFleet } from './support/agents.js';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import { runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * The web console in headless Chromium against a real server process and five real
 * agents: sign in with a token, create a phased deployment through the wizard (a bad
 * input first, then the preview), watch its pilot phase complete live, halt it. Every
 * page is checked with axe-core and photographed.
 */
const COMPUTERS = 5;

describe('the web console', () => {
  const adminToken = 'rm_admin_e2e-console-0123456789';
  let work: string;
  let server: ServerProcess;
  let agents: AgentFleet;
  let browser: Browser;
  let page: Page;

  const cli = async (...args: string[]) => {
    const env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as { token?: string };
  };

  function updateDir(id: string): string {
    const dir = path.join(work, 'updates', id);
    mkdirSync(dir, { recursive: true });
    const marker = `${work}/host/${id}.$RINGMASTER_COMPUTER_ID`;
    writeFileSync(path.join(dir, 'install.sh'), `touch "${marker}"\n`);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: 'Console test fix',
        severity: 'important',
        platforms: [{ os: 'linux' }],
        files: ['install.sh'],
        detect: { type: 'command', command: `test -f "${marker}"` },
        install: { command: 'sh install.sh', timeoutSeconds: 30 },
      }),
    );
    return dir;
  }

  /** Every page gets the same check: no serious or critical accessibility violation. */
  async function checkPage(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }

  const nav = (label: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-console-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: ['--checkin-interval', '2'],
    });
    await cli('update', 'import', updateDir('CONSOLE-FIX'));
    await cli('group', 'create', 'fleet');
    const enrollment = await cli('enrollment', 'create', '--group', 'fleet', '--uses', '10');
    agents = startAgents({
      count: COMPUTERS,
      server: server.url,
      enrollmentToken: enrollment.token ?? '',
      workDir: path.join(work, 'agents'),
      prefix: 'desk',
    });
    await waitFor(
      `${COMPUTERS} computers to enroll`,
      async () => {
        const res = await fetch(`${server.url}/api/v1/computers`, {
          headers: { authorization: `Bearer ${adminToken}` },
        });
        return ((await res.json()) as { total: number }).total === COMPUTERS;
      },
      90_000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    page = await context.newPage();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await agents?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs in with a token; a wrong one is refused in words', { timeout: 60_000 }, async () => {
    await page.goto(server.url);
    await page.getByRole('radio', { name: 'Token' }).check();
    await page.getByLabel('API token').waitFor();
    await checkPage('sign-in');
    await page.getByLabel('API token').fill('rm_admin_not-the-right-one');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('did not accept this token');
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText(`${COMPUTERS}`, { exact: true }).first().waitFor();
    await checkPage('overview-empty');
  });

  it(
    'previews a query group while typing, and names a bad query',
    { timeout: 60_000 },
    async () => {
      await nav('Groups').click();
      await page.getByRole('heading', { name: 'Groups', exact: true }).waitFor();
      await page.getByLabel('Query', { exact: true }).fill('os = "linux"');
      await expect
        .poll(() => page.getByTestId('query-preview').textContent())
        .toContain(`Matches ${COMPUTERS} computers`);
      await checkPage('groups');
      await page.getByLabel('Query', { exact: true }).fill('os =');
      await expect
        .poll(() => page.locator('#group-query-problem').textContent())
        .toContain('expected');
    },
  );

  it(
    'creates a phased deployment through the wizard: a bad percent is shown at its field, then the preview',
    { timeout: 90_000 },
    async () => {
      await nav('New deployment').click();
      await page.getByRole('heading', { name: 'New deployment' }).waitFor();
      await page.getByLabel(/CONSOLE-FIX/).check();
      await checkPage('wizard-updates');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel(/^fleet/).check();
      await page.getByRole('button', { name: 'Next' }).click();
      // A pilot of 0% is refused by the server; the wizard shows it at the field.
      await page.locator('#phase-0-percent').fill('0');
      await page.locator('#soak').fill('0');
      await page.getByLabel('Manual gate (wait for promote)').first().check();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Preview the plan' }).click();
      const problem = page.locator('#phase-0-percent-problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain('more than 0%');
      expect(await page.locator('#phase-0-percent').getAttribute('aria-invalid')).toBe('true');
      await checkPage('wizard-bad-input');

      await page.locator('#phase-0-percent').fill('40');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('button', { name: 'Preview the plan' }).click();
      await page.getByRole('heading', { name: 'Plan preview' }).waitFor();
      const pilot = Number(await page.getByTestId('preview-count-pilot').textContent());
      const broad = Number(await page.getByTestId('preview-count-broad').textContent());
      expect(pilot).toBe(2);
      expect(pilot + broad).toBe(COMPUTERS);
      await checkPage('wizard-preview');
      await page.getByRole('button', { name: 'Approve and start' }).click();
      await page.getByRole('heading', { name: /^Deployment / }).waitFor();
    },
  );

  it(
    'shows the pilot phase complete live, without a reload, then halts it',
    { timeout: 120_000 },
    async () => {
      await page.evaluate('window.stillHere = true');
      await page.getByText('Live', { exact: true }).waitFor();
      const installed = page.locator('tr[data-phase="pilot"] td[data-state="installed"]');
      await waitFor(
        'the pilot phase to show 2 installed',
        async () => (await installed.count()) > 0 && (await installed.textContent()) === '2',
        90_000,
      );
      expect(await page.evaluate('window.stillHere')).toBe(true);
      // The progress chart follows the live view too: the pilot's installs, per phase.
      const caption = page.getByTestId('progress-chart').locator('figcaption');
      await page.locator('#progress-phase').selectOption('pilot');
      await expect.poll(() => caption.textContent(), { timeout: 30_000 }).toContain('2 installed');
      expect(await caption.textContent()).toContain('phase pilot');
      expect(await page.getByText('No computer has failed.').count()).toBe(1);
      await checkPage('deployment-detail');

      await page.getByRole('button', { name: 'Halt', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain(`${COMPUTERS - 2} computers not yet done`);
      await checkPage('deployment-halt-confirm');
      await dialog.getByLabel(/Reason/).fill('pilot looks odd');
      await dialog.getByRole('button', { name: 'Halt' }).click();
      await expect
        .poll(() => page.getByTestId('deployment-state').textContent(), { timeout: 30_000 })
        .toContain('halted');
      expect(
        await page.getByRole('list').filter({ hasText: 'pilot looks odd' }).count(),
      ).toBeGreaterThan(0);
      expect(await page.evaluate('window.stillHere')).toBe(true);
      await checkPage('deployment-halted');

      // The review beside it: a follow-up item marked done, by whoever is signed in.
      const risks = page.locator('tr[data-item="risks"]');
      await risks.getByLabel('Note for: Review the risks').fill('pilot risk accepted');
      await risks.getByRole('button', { name: 'Mark done' }).click();
      await expect
        .poll(() => page.getByTestId('checklist-risks').textContent(), { timeout: 30_000 })
        .toContain('done by');
      expect(await risks.textContent()).toContain('pilot risk accepted');
      expect(await page.getByRole('region', { name: 'Review' }).textContent()).toContain('Halts 1');
      await checkPage('deployment-review');
    },
  );

  it('every other page passes axe, in light and dark', { timeout: 90_000 }, async () => {
    await nav('Overview').click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.getByText('is halted').waitFor();
    await checkPage('overview');
    await nav('Deployments').click();
    await page.getByRole('table').waitFor();
    await checkPage('deployments');
    await nav('Computers').click();
    await page.getByRole('link', { name: 'desk-00' }).click();
    await page.getByRole('heading', { name: 'desk-00' }).waitFor();
    await checkPage('computer-detail');
    await nav('Computers').click();
    await page.getByRole('table').waitFor();
    await checkPage('computers');
    await nav('Updates').click();
    await page.getByRole('link', { name: 'CONSOLE-FIX' }).click();
    await page.getByRole('heading', { name: /CONSOLE-FIX/ }).waitFor();
    await checkPage('update-detail');
    await nav('Updates').click();
    await page.getByRole('table').waitFor();
    await checkPage('updates');
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await checkPage('updates-dark');
    await nav('Overview').click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.getByText('is halted').waitFor();
    await checkPage('overview-dark');
  });

  it(
    'shows a baseline and compliance to it from the scan, with why each computer lacks an update',
    { timeout: 60_000 },
    async () => {
      await cli('baseline', 'create', 'desks', '--group', 'fleet', '--update', 'CONSOLE-FIX');
      await nav('Baselines').click();
      await page.getByRole('heading', { name: 'Baselines', exact: true }).waitFor();
      await page.getByRole('link', { name: 'desks' }).click();
      await page.getByRole('heading', { name: 'Baseline desks' }).waitFor();
      await expect
        .poll(() => page.getByTestId('baseline-totals').textContent())
        .toMatch(new RegExp(`^${COMPUTERS}: \\d+ compliant, \\d+ non-compliant, \\d+ unknown$`));
      // The halted deployment left computers without the fix: the scan says why.
      await expect
        .poll(() =>
          page
            .getByRole('listitem')
            .filter({ hasText: 'missing: the scan does not find it' })
            .count(),
        )
        .toBeGreaterThan(0);
      await checkPage('baseline-detail');
    },
  );
});
