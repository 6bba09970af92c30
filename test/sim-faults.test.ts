import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../src/client/api-client.js';
import { importUpdate, prepareUpdate } from '../src/client/update-import.js';
import { scaledClock } from '../src/clock.js';
import { parseFaults } from '../src/sim/faults.js';
import type { FleetStats } from '../src/sim/fleet.js';
import { startSim } from '../src/sim/run.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';
import { waitFor } from './support/wait.js';
import { allItems } from '../src/client/paging.js';
import type { DeploymentComputerView } from '../src/contracts/api.js';

/**
 * A small simulated fleet over real HTTP against the real server (in-process, on a
 * virtual clock 1000× real time): each injected fault shows on the server as the state
 * and reason it should, checked against the simulator's truth file.
 */
const SCALE = 1000;
const AGENTS = 40;
/** Virtual seconds the fault schedules cover. */
const HORIZON = 4500;
/** The network cut ends at 4500; by 5000 every cut computer has checked in again. */
const AT_LEAST = 5000;
const FAULTS =
  'install-error=0.1:1603,disk-space=0.1,prerequisite-missing=0.1,reboot-required=0.1:300,' +
  'offline=0.1,server-unreachable=0.1:3500+1000,agent-stopped=0.1:restart,reimage=0.05';

type Truth = {
  computers: {
    hostname: string;
    faults: ({ kind: string } & Record<string, unknown>)[];
  }[];
};

describe('simulated faults as the server sees them', () => {
  let server: TestServer;
  let url: string;
  let api: ApiClient;
  let work: string;
  let truth: Truth;
  let stats: FleetStats;
  let startMs: number;
  let deploymentId: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-sim-'));
    // A re-imaged computer comes back with a token of its own group after minutes away.
    server = await startTestServer('sqlite', scaledClock(SCALE, Date.now()), {
      reimageAutoApproveAfterSeconds: 60,
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    api = createApiClient({ url, token: ADMIN_TOKEN });

    const dir = path.join(work, 'SIM-U1');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'install.sh'), 'touch /opt/sim-u1\n');
    await writeFile(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id: 'SIM-U1',
        title: 'Simulated update',
        severity: 'critical',
        platforms: [{ os: 'linux' }],
        files: ['install.sh'],
        detect: { type: 'file', path: '/opt/sim-u1' },
        install: { command: 'sh install.sh' },
        requires: {
          freeDiskMB: 500,
          prerequisites: [{ type: 'command', command: 'test -f /usr/lib/libfoo.so.2' }],
        },
      }),
    );
    await importUpdate(api, await prepareUpdate(dir));
    await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
    // Download at once, install once the (simulated) person at the computer approves.
    const plan = { phases: [{ name: 'all', percent: 100 }], policy: 'auto-download' };
    deploymentId = (await api.createDeployment({ update: 'SIM-U1', group: 'everyone', plan })).id;
    await api.createGroup({ name: 'sim-fleet' });
    const enrollment = await api.createEnrollment({
      group: 'sim-fleet',
      expiresInSeconds: 86_400 * 30,
    });

    const truthFile = path.join(work, 'truth.json');
    const run = await startSim({
      serverUrl: url,
      enrollmentToken: enrollment.token ?? '',
      agents: AGENTS,
      seed: 7,
      sites: ['tokyo', 'osaka'],
      faults: parseFaults(FAULTS),
      installSeconds: 30,
      approvalSeconds: 60,
      timeScale: SCALE,
      horizonSeconds: HORIZON,
      rampSeconds: 60,
      concurrency: 64,
      connections: 16,
      truthFile,
      summaryEverySeconds: 0,
    });
    startMs = run.fleet.startMs;
    truth = JSON.parse(await readFile(truthFile, 'utf8')) as Truth;

    // Run until every computer has settled where its faults lead (the rollout engine's
    // pace is the server's), and the network cut is over.
    const failing = new Set(['install-error', 'disk-space', 'prerequisite-missing']);
    const expected = new Map(
      truth.computers.map((c) => [
        c.hostname,
        c.faults.some((f) => failing.has(f.kind)) ? 'failed' : 'installed',
      ]),
    );
    await waitFor(
      'every computer to settle where its faults lead',
      async () => {
        const computers = await allItems((cursor) =>
          api.listDeploymentComputers(deploymentId, { cursor, limit: 500 }),
        );
        const settled =
          computers.length === AGENTS &&
          computers.every((s) => s.state === expected.get(s.hostname));
        return settled && run.fleet.now() >= startMs + AT_LEAST * 1000;
      },
      30_000,
      250,
      // Not settled in time: the tests below name the computers that are off.
    ).catch(() => undefined);
    stats = await run.stop();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const withFault = (kind: string) =>
    truth.computers.filter((c) => c.faults.some((f) => f.kind === kind));
  const faultOf = (c: Truth['computers'][number], kind: string) =>
    c.faults.find((f) => f.kind === kind) as Record<string, unknown>;

  async function statusByHostname() {
    const computers = await allItems((cursor) =>
      api.listDeploymentComputers(deploymentId, { cursor, limit: 500 }),
    );
    const map = new Map<string, DeploymentComputerView[]>();
    for (const s of computers) map.set(s.hostname, [...(map.get(s.hostname) ?? []), s]);
    return map;
  }

  it('runs the whole fleet', () => {
    expect(stats.agents).toBe(AGENTS);
    expect(stats.lastError === null || stats.errors === 0).toBe(true);
    expect(stats.checkins).toBeGreaterThan(AGENTS);
  });

  it('reports install errors with the exit code, disk space and missing prerequisites', async () => {
    const statuses = await statusByHostname();
    const expectations: [string, Record<string, unknown>][] = [
      ['install-error', { state: 'failed', reason: 'install-error', exitCode: 1603 }],
      ['disk-space', { state: 'failed', reason: 'disk-space' }],
      ['prerequisite-missing', { state: 'failed', reason: 'prerequisite-missing' }],
    ];
    for (const [kind, expected] of expectations) {
      const hit = withFault(kind);
      expect(hit).toHaveLength(4);
      for (const c of hit)
        expect(statuses.get(c.hostname)?.[0], c.hostname).toMatchObject(expected);
    }
    const disk = withFault('disk-space')[0];
    expect(statuses.get(disk?.hostname ?? '')?.[0]?.message).toMatch(/needs 500 MB free disk/);
  });

  it('shows pending-reboot, then installed after the simulated restart', async () => {
    const statuses = await statusByHostname();
    expect(stats.reports['pending-reboot']).toBe(4);
    for (const c of withFault('reboot-required')) {
      expect(statuses.get(c.hostname)?.[0], c.hostname).toMatchObject({ state: 'installed' });
    }
  });

  it('installs everywhere else, including after network cuts and stopped agents', async () => {
    const statuses = await statusByHostname();
    const failing = new Set(['install-error', 'disk-space', 'prerequisite-missing', 'reimage']);
    const rest = truth.computers.filter((c) => !c.faults.some((f) => failing.has(f.kind)));
    expect(rest.length).toBe(AGENTS - 14);
    for (const c of rest) {
      expect(statuses.get(c.hostname)?.[0]?.state, c.hostname).toBe('installed');
    }
  });

  it('hears nothing from offline computers until they are back', async () => {
    const computers = await allItems((cursor) => api.listComputers({ cursor, limit: 500 }));
    for (const c of withFault('offline')) {
      const windows = faultOf(c, 'offline').windows as { from: number; to: number }[];
      const back = startMs + (windows[0]?.to ?? 0) * 1000;
      const seen = computers.filter((x) => x.hostname === c.hostname);
      expect(seen).toHaveLength(1);
      expect(Date.parse(seen[0]?.enrolledAt ?? '')).toBeGreaterThanOrEqual(back);
    }
  });

  it('shows a re-imaged computer as the same computer, re-imaged, with the update again', async () => {
    const computers = await allItems((cursor) => api.listComputers({ cursor, limit: 500 }));
    const statuses = await statusByHostname();
    expect(stats.reimaged).toBe(2);
    for (const c of withFault('reimage')) {
      const seen = computers.filter((x) => x.hostname === c.hostname);
      expect(seen, c.hostname).toHaveLength(1);
      expect(seen[0]?.reimageCount).toBe(1);
      const at = startMs + (faultOf(c, 'reimage').atSeconds as number) * 1000;
      expect(Date.parse(seen[0]?.reimagedAt ?? '')).toBeGreaterThanOrEqual(at);
      expect(statuses.get(c.hostname)?.[0]?.state).toBe('installed');
    }
  });

  it('tells a stopped agent and a network cut apart from a computer that was off', async () => {
    for (const [kind, detail] of [
      ['agent-stopped', /stopped (by a user|for maintenance)/],
      ['server-unreachable', /ECONNREFUSED/],
    ] as const) {
      for (const c of withFault(kind)) {
        const view = await api.getComputer(c.hostname);
        const absence = view.absences.find((a) => a.kind === kind);
        expect(absence, `${c.hostname}: ${JSON.stringify(view.absences)}`).toBeDefined();
        expect(absence?.detail).toMatch(detail);
        // Told apart: no time after the stop (or the first failed call) is blamed on
        // the computer being off. (A silence before it may be: at 1000× a slow server
        // call is minutes of virtual time.)
        const blamed = view.absences.filter(
          (a) =>
            a.kind === 'offline' &&
            Date.parse(a.from) >= Date.parse(absence?.from ?? '') &&
            Date.parse(a.from) < Date.parse(absence?.to ?? ''),
        );
        expect(blamed, `${c.hostname}: ${JSON.stringify(view.absences)}`).toEqual([]);
        const fault = faultOf(c, kind);
        const from = startMs + (fault.from as number) * 1000;
        // The agent notes the stop at its moment; an outage from its first failed call.
        expect(Date.parse(absence?.from ?? '')).toBeGreaterThanOrEqual(from - 1000);
      }
    }
  });
});
