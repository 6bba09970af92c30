import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../src/client/api-client.js';
import { importUpdate, prepareUpdate } from '../src/client/update-import.js';
import { parseFaults } from '../src/sim/faults.js';
import { startSim, type SimRun } from '../src/sim/run.js';
import { startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';
import { allItems } from '../src/client/paging.js';

/**
 * The simulator on the push channel, against the real server in its own process on a
 * one-day check-in pace (virtual = real time here): every online virtual computer holds
 * its wake stream, the fault model closes and reopens it, and an emergency deployment
 * reaches 95% of them long before any is due to check in, so only the push channel can
 * explain it. How many seconds that takes is the benchmark's figure (emergency reach).
 */
const CHECKIN_INTERVAL_SECONDS = 86_400;
const ADMIN_TOKEN = 'rm_admin_sim-push-0123456789abcdef';
const AGENTS = 100;
/**
 * 10% lose the network from 15 s to 21 s (virtual = real here). The cut comes late
 * enough for a loaded machine to connect the whole fleet first (it took 6 s at a load
 * average of 20 on 2 cores); the fleet is on the channel after 2 s when idle.
 */
const CUT = { from: 15, to: 21 };
const CUT_COUNT = 10;

describe('simulated fleet on the push channel', () => {
  let work: string;
  let server: ServerProcess;
  let api: ApiClient;
  let run: SimRun;

  const pushConnected = async (): Promise<number> => {
    const res = await fetch(`${server.url}/healthz`);
    return ((await res.json()) as { pushConnected: number }).pushConnected;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-sim-push-'));
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken: ADMIN_TOKEN,
      extraArgs: ['--checkin-interval', String(CHECKIN_INTERVAL_SECONDS)],
    });
    api = createApiClient({ url: server.url, token: ADMIN_TOKEN });
    const dir = path.join(work, 'SIM-ZERO-DAY');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'fix.sh'), 'touch /opt/zero-day-fixed\n');
    await writeFile(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id: 'SIM-ZERO-DAY',
        title: 'Zero-day fix',
        severity: 'critical',
        classification: 'security',
        platforms: [{ os: 'linux' }],
        files: ['fix.sh'],
        detect: { type: 'file', path: '/opt/zero-day-fixed' },
        install: { command: 'sh fix.sh' },
      }),
    );
    await importUpdate(api, await prepareUpdate(dir));
    await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
    const enrollment = await api.createEnrollment({ expiresInSeconds: 86_400 });

    run = await startSim({
      serverUrl: server.url,
      enrollmentToken: enrollment.token ?? '',
      agents: AGENTS,
      seed: 11,
      sites: [],
      faults: parseFaults(
        `server-unreachable=${CUT_COUNT / AGENTS}:${CUT.from}+${CUT.to - CUT.from}`,
      ),
      installSeconds: 1,
      timeScale: 1,
      rampSeconds: 2,
      concurrency: 64,
      connections: 16,
      summaryEverySeconds: 0,
      push: true,
    });
  }, 60_000);

  afterAll(async () => {
    await run?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the channel after the first cycle, closes it for a network cut and reopens it after', async () => {
    await waitFor(
      `all ${AGENTS} on the push channel before the cut at ${CUT.from} s`,
      async () => (await pushConnected()) === AGENTS,
      CUT.from * 1000,
    );
    expect(run.fleet.pushStats()?.connected).toBe(AGENTS);
    // Only their first cycle: the next check-in is minutes away.
    expect(run.fleet.stats().checkins).toBe(AGENTS);

    await waitFor(
      'the cut computers to drop their streams',
      async () => (await pushConnected()) === AGENTS - CUT_COUNT,
      CUT.to * 1000,
    );
    expect(run.fleet.pushStats()?.connected).toBe(AGENTS - CUT_COUNT);

    await waitFor(
      'them to reconnect when the network is back',
      async () => (await pushConnected()) === AGENTS,
      (CUT.to + 30) * 1000,
    );
    expect(run.fleet.now()).toBeGreaterThanOrEqual(run.fleet.startMs + CUT.to * 1000);
    expect(run.fleet.stats().checkins).toBe(AGENTS);
  }, 90_000);

  it('an emergency deployment starts 95% over the push channel, before any is due to poll', async () => {
    run.fleet.resetPushStats();
    const createdAt = Date.now();
    const created = await api.createDeployment({
      update: 'SIM-ZERO-DAY',
      group: 'everyone',
      plan: { phases: [{ name: 'all', percent: 100 }], emergency: { reason: 'x' } },
    });
    const want = Math.ceil(AGENTS * 0.95);
    await waitFor(
      `${want} installed`,
      () => (run.fleet.pushStats()?.installed ?? 0) >= want,
      60_000,
    );
    const reach = run.fleet.pushReach({ sinceRealMs: createdAt });
    expect(reach.of).toBe(AGENTS);
    expect(reach.started).not.toBeNull();
    // Started, reported and installed in that order, all before a poll was due.
    expect(reach.reported as number).toBeGreaterThanOrEqual(reach.started as number);
    expect(reach.installed as number).toBeGreaterThanOrEqual(reach.started as number);
    expect(reach.installed as number).toBeLessThan(CHECKIN_INTERVAL_SECONDS);

    // The server agrees: out of pending, and installed, long before the next check-in.
    const computers = await allItems((cursor) =>
      api.listDeploymentComputers(created.id, { cursor, limit: 500 }),
    );
    expect(computers.length).toBe(AGENTS);
    const installed = computers.filter((c) => c.state === 'installed').length;
    expect(installed).toBeGreaterThanOrEqual(want);

    const stats = run.fleet.pushStats();
    expect(stats?.woken).toBe(AGENTS);
    expect(stats?.holdingAtFirstWake).toBe(AGENTS);
    // Each wake was one more cycle, not one per event.
    expect(run.fleet.stats().checkins).toBeLessThanOrEqual(AGENTS * 3);
    const summary = run.fleet.stats();
    expect(summary.pushConnected).toBe(AGENTS);
    expect(summary.pushInstalled).toBeGreaterThanOrEqual(want);
    expect(summary.push95StartedSeconds).not.toBeNull();
  }, 90_000);
});
