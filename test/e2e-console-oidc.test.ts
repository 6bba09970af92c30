import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, seriousViolations } from './support/browser.js';
import { startOidcProvider, type OidcProvider } from './support/oidc-provider.js';
import { adminApi, startServerProcess, type ServerProcess } from './support/processes.js';

/**
 * Signing in to the console through the organisation's OpenID Connect provider: a real
 * provider on loopback, the server started with --oidc-issuer, and Chromium clicking
 * the sign-in page's button, the provider's forms, and landing on the overview signed in.
 */
describe('the web console, signed in through OIDC', () => {
  const adminToken = 'rm_admin_e2e-console-oidc-0123456789';
  let work: string;
  let provider: OidcProvider;
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-oidc-'));
    provider = await startOidcProvider({
      'sub-olive': { email: 'olive@example.com', name: 'Olive Operator' },
    });
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: [
        '--oidc-issuer',
        provider.issuer,
        '--oidc-client-id',
        provider.clientId,
        '--oidc-client-secret',
        provider.clientSecret,
      ],
    });
    // The default redirect URL: this server's own callback.
    provider.allow(`${server.url}/api/v1/auth/oidc/callback`);
    await adminApi(server, adminToken)('POST', '/api/v1/users', {
      name: 'olive',
      displayName: 'Olive Operator',
      email: 'olive@example.com',
      role: 'operator',
    });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    // Only loopback: the provider's pages name a web font that must not be fetched.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'offers the organisation sign-in, and lands on the overview signed in with the role',
    { timeout: 120_000 },
    async () => {
      await page.goto(server.url);
      const button = page.getByRole('link', { name: 'Sign in with your organisation' });
      await button.waitFor();
      await screenshot(page, 'sign-in-oidc');
      expect(await seriousViolations(page), 'axe on the sign-in page').toEqual([]);

      await button.click();
      // The provider's own forms: any password, then consent.
      await page.locator('input[name="login"]').fill('sub-olive');
      await page.locator('input[name="password"]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await expect
        .poll(() => page.getByTestId('signed-in-as').textContent())
        .toBe('Olive Operator · operator');
      // The one-time code is not left in the address or the history.
      expect(new URL(page.url()).pathname).toBe('/');
      expect(new URL(page.url()).search).toBe('');
      // The session lasts the tab: a reload stays signed in.
      await page.reload();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
    },
  );

  // A browser on a loaded machine: as wide a bound as the first test's, not the default 30 s.
  it(
    'says in words when the provider refuses, and offers the sign-in again',
    { timeout: 120_000 },
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      // A return this server did not start (a forged or replayed state).
      await page.goto(`${server.url}/api/v1/auth/oidc/callback?code=x&state=forged`);
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain('this sign-in was not started here');
      expect(new URL(page.url()).pathname).toBe('/');
      await page.getByRole('link', { name: 'Sign in with your organisation' }).waitFor();
    },
  );
});
