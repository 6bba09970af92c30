import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { asSent, createApiClient } from '../client/api-client.js';
import { importUpdate, prepareUpdate } from '../client/update-import.js';
import { allItems } from '../client/paging.js';
import type { CreateDeploymentRequest } from '../contracts/api.js';
import { scaledClock } from '../clock.js';
import { createServer, type RunningServer } from '../server/server.js';
import { parseFaults } from './faults.js';
import type { FleetStats } from './fleet.js';
import { startSim, type SimRun } from './run.js';

export interface DemoOptions {
  agents: number;
  port: number;
  host: string;
  /** Keep the server's data here; default: a temp dir removed at the end. */
  dataDir?: string | undefined;
  timeScale: number;
  seed: number;
  faults: string;
  checkinIntervalSeconds: number;
  log: (line: string) => void;
  onSummary?: (stats: FleetStats) => void;
  summaryEverySeconds: number;
}

export interface Demo {
  url: string;
  adminToken: string;
  enrollmentToken: string;
  deployments: { id: string; updateId: string; group: string; phased: boolean }[];
  server: RunningServer;
  sim: SimRun;
  stop(): Promise<void>;
}

export { DEMO_FAULTS } from './faults.js';

const SITES = ['tokyo', 'osaka', 'nagoya'];

/** The sample catalog, made on the fly: small shell installers the simulator answers for. */
const CATALOG = [
  {
    id: 'RM-2026-0001',
    title: 'OpenSSL 3.0.15 security update',
    severity: 'critical',
    classification: 'security',
    detect: { type: 'file', path: '/usr/lib/ringmaster-demo/openssl-3.0.15' },
    requires: { freeDiskMB: 500 },
  },
  {
    id: 'RM-2026-0002',
    title: 'Browser 128 feature update',
    severity: 'important',
    classification: 'feature-pack',
    detect: { type: 'command', command: 'test -f /opt/browser/128/installed' },
    requires: {
      freeDiskMB: 1024,
      prerequisites: [{ type: 'file', path: '/usr/lib/x86_64-linux-gnu/libnss3.so.3.98' }],
    },
  },
  {
    id: 'RM-2026-0003',
    title: 'Kernel 6.8.0-45 live patch',
    severity: 'important',
    classification: 'security',
    detect: { type: 'file', path: '/var/lib/ringmaster-demo/kernel-6.8.0-45' },
    requires: { freeDiskMB: 200 },
  },
] as const;

/**
 * The whole product in one process: the server on the embedded database, a sample
 * catalog, query groups by site, and a simulated fleet over real HTTP with a phased
 * deployment running.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { log } = options;
  const temp = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'ringmaster-demo-')));
  await mkdir(dataDir, { recursive: true });
  const server = await createServer({
    dataDir,
    clock: scaledClock(options.timeScale, Date.now()),
    checkinIntervalSeconds: options.checkinIntervalSeconds,
    // Re-imaged demo computers come back with their group's token after minutes away.
    reimageAutoApproveAfterSeconds: 60,
    logger: false,
  });
  let sim: SimRun | null = null;
  try {
    await server.app.listen({ port: options.port, host: options.host });
    const port = (server.app.server.address() as AddressInfo).port;
    const shownHost = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
    const url = `http://${shownHost}:${port}`;
    const adminToken = server.firstAdminToken?.token ?? (await readToken(dataDir));
    const api = createApiClient({ url, token: adminToken });

    log(`server on ${url} (data in ${dataDir}${temp ? ', removed at the end' : ''})`);
    for (const entry of CATALOG) {
      const dir = path.join(dataDir, 'demo-catalog', entry.id);
      await writeUpdateFolder(dir, entry);
      const result = await importUpdate(api, await prepareUpdate(dir));
      log(`update ${entry.id}: ${entry.title}${result.created ? '' : ' (already there)'}`);
    }
    const existing = new Set(
      (await allItems((cursor) => api.listGroups({ cursor, limit: 500 }))).map((g) => g.name),
    );
    const groups: { name: string; query: string }[] = [
      ...SITES.map((site) => ({ name: site, query: `site = "${site}"` })),
      { name: 'all-linux', query: 'os = "linux"' },
    ];
    for (const g of groups) {
      if (!existing.has(g.name)) await api.createGroup(g);
      log(`group ${g.name}: ${g.query}`);
    }
    if (!existing.has('demo-fleet')) await api.createGroup({ name: 'demo-fleet' });
    const enrollment = await api.createEnrollment({
      group: 'demo-fleet',
      expiresInSeconds: 366 * 86_400,
    });
    const enrollmentToken = enrollment.token ?? '';

    sim = await startSim({
      serverUrl: url,
      enrollmentToken,
      agents: options.agents,
      seed: options.seed,
      sites: SITES,
      faults: parseFaults(options.faults),
      installSeconds: 30,
      timeScale: options.timeScale,
      rampSeconds: Math.min(options.checkinIntervalSeconds, 120),
      concurrency: 256,
      connections: 32,
      hostnamePrefix: 'demo',
      summaryEverySeconds: options.summaryEverySeconds,
      onSummary: options.onSummary,
    });
    log(`${options.agents} simulated computers starting (seed ${options.seed})`);

    const deployments: Demo['deployments'] = [];
    const deploy = async (updateId: string, group: string, phased: boolean) => {
      const request: CreateDeploymentRequest = phased
        ? {
            update: updateId,
            group,
            plan: {
              phases: [
                { name: 'pilot', percent: 5 },
                { name: 'early', percent: 25 },
                { name: 'broad', percent: 100 },
              ],
              gate: { minSuccessPercent: 80, maxFailurePercent: 25 },
              soakSeconds: 3600,
            },
          }
        : { update: updateId, group };
      const view = await api.createDeployment(request);
      const sent = asSent(view) as Record<string, unknown>;
      const hasPhases = phased && ('plan' in sent || 'phases' in sent);
      deployments.push({ id: view.id, updateId, group, phased: hasPhases });
      log(
        `deployment ${view.id}: ${updateId} → ${group}` +
          (phased
            ? hasPhases
              ? ' in phases pilot 5% → early 25% → broad'
              : ' (no phases: this server has no plans yet)'
            : ''),
      );
    };
    await deploy('RM-2026-0001', 'all-linux', true);
    await deploy('RM-2026-0002', 'tokyo', false);
    await deploy('RM-2026-0003', 'osaka', false);

    const running = sim;
    let stopped = false;
    return {
      url,
      adminToken,
      enrollmentToken,
      deployments,
      server,
      sim: running,
      async stop() {
        if (stopped) return;
        stopped = true;
        await running.stop();
        await server.close();
        if (temp) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sim?.stop();
    await server.close();
    if (temp) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function writeUpdateFolder(dir: string, entry: (typeof CATALOG)[number]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const marker = entry.detect.type === 'file' ? entry.detect.path : '/opt/browser/128/installed';
  const script = `#!/bin/sh\n# ${entry.title}\nset -e\nmkdir -p "$(dirname ${marker})"\ntouch ${marker}\n`;
  await writeFile(path.join(dir, 'install.sh'), script);
  const manifest = {
    id: entry.id,
    title: entry.title,
    description: `Demo update (sha256 of the installer ${createHash('sha256').update(script).digest('hex').slice(0, 12)}).`,
    severity: entry.severity,
    classification: entry.classification,
    platforms: [{ os: 'linux' }],
    files: ['install.sh'],
    detect: entry.detect,
    install: { command: 'sh install.sh', timeoutSeconds: 600 },
    uninstall: { command: `rm -f ${marker}`, timeoutSeconds: 60 },
    requires: entry.requires,
  };
  await writeFile(path.join(dir, 'update.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function readToken(dataDir: string): Promise<string> {
  try {
    return (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  } catch {
    throw new Error(
      `${dataDir} was set up before and its admin token file is gone: use another --data dir`,
    );
  }
}
