/**
 * `npm run bench:console [-- --computers 100000] [--loads 9] [--engine sqlite|postgres]`
 *
 * The console's computers page at fleet size: a fresh database is seeded with
 * `--computers` computers directly through the store (as bench:lists does), the built
 * server (which serves the built console) is started on it, and headless Chromium signs
 * in with the admin token and loads `/computers` `--loads` times, each a full page load.
 * The time to first rows is from the navigation's start to the first row of the table
 * in the document (a MutationObserver in the page). Measured twice: with the browser's
 * cache (a returning admin: the hashed assets are cached for a year) and with the cache
 * off (every asset fetched again). Prints each load, the median, and the share of it the
 * list call took; the target is a median under 1 s. Not part of the test suite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from './lib/chromium.js';
import { freshDatabase } from './lib/database.js';
import { seedComputers } from './lib/fleet.js';
import type { Engine } from './lib/options.js';
import { startServer } from './lib/server-process.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const computers = Number(option('computers', '100000'));
const loads = Number(option('loads', '9'));
const engine = option('engine', 'sqlite') as Engine;
const pgUrl =
  option('pg-url', '') ||
  process.env.RINGMASTER_BENCH_PG_URL ||
  'postgres://postgres@127.0.0.1:5432/test';
const targetMs = 1000;

type Load = { firstRowsMs: number; listMs: number };

/**
 * Installed before each document's scripts: when the first table row appears. In-page
 * code is given as text (this file is compiled without the DOM's types).
 */
const observeFirstRows = `
  new MutationObserver((_m, observer) => {
    if (document.querySelector('main table tbody tr')) {
      window.__firstRows = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

const readLoad = `(() => {
  const list = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/computers'));
  return { firstRowsMs: window.__firstRows, listMs: list ? list.duration : NaN };
})()`;

async function loadOnce(page: Page, origin: string): Promise<Load> {
  await page.goto(`${origin}/computers`);
  // Polled from outside: the console's CSP refuses the page evaluating a string.
  const deadline = Date.now() + 30_000;
  while ((await page.evaluate('window.__firstRows')) === undefined) {
    if (Date.now() > deadline) throw new Error('no rows within 30 s');
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return page.evaluate<Load>(readLoad);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const ms = (n: number) => `${Math.round(n)} ms`;

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-console-'));
  const database = await freshDatabase(engine, { pgUrl }, dataDir);
  try {
    const seedMs = await seedComputers(database.url, computers);
    console.log(
      `${engine}: seeded ${computers.toLocaleString('en-US')} computers in ${ms(seedMs)}; ${loads} loads of /computers per mode (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)})`,
    );
    const token = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
    const server = await startServer({
      cliEntry: path.join(root, 'dist/cli/main.js'),
      dataDir,
      ...(engine === 'postgres' ? { databaseUrl: database.url } : {}),
      adminToken: token,
    });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript({ content: observeFirstRows });
      const page = await context.newPage();
      // Sign in once: the session lasts the tab, each load below is a full page load.
      await page.goto(server.origin);
      await page.getByRole('radio', { name: 'Token' }).check();
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const rows = await (async () => {
        await loadOnce(page, server.origin);
        return page.locator('main table caption').textContent();
      })();
      console.log(`the page says: ${rows?.trim()}`);
      const cdp = await context.newCDPSession(page);
      let over = false;
      for (const cache of [true, false]) {
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: !cache });
        const results: Load[] = [];
        for (let i = 0; i < loads; i++) results.push(await loadOnce(page, server.origin));
        const first = median(results.map((r) => r.firstRowsMs));
        over ||= first >= targetMs;
        console.log(
          `\n${cache ? 'assets cached' : 'cache off'}: time to first rows, median ${ms(first)} (list call ${ms(median(results.map((r) => r.listMs)))})`,
        );
        console.log(`  each: ${results.map((r) => Math.round(r.firstRowsMs)).join(', ')} ms`);
      }
      console.log(`\ntarget: first rows < ${targetMs} ms${over ? ' — NOT met' : ' — met'}`);
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
