import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgents, type AgentFleet } from './support/agents.js';
import {
  adminApi,
  runCli,
  startServerProcess,
  type AdminApi,
  type ServerProcess,
} from './support/processes.js';
import { waitFor } from './support/wait.js';

type Deployment = {
  id: string;
  state: string;
  stateReason: string | null;
  counts: Record<string, number>;
  phases: { name: string; openedAt: string | null; size: number }[];
};
type DeploymentComputers = {
  items: { computerId: string; phase: string | null; state: string }[];
};

/**
 * Twenty real agent processes against a real server: a bad update halts in its
 * first phase and the second phase never runs it; a good one reaches everyone and
 * one rollback removes it everywhere.
 */
/** 10% then 100%, no soak, halting above 20% failures: the scenario. */
const pilotThenBroad = {
  phases: [
    { name: 'pilot', percent: 10 },
    { name: 'broad', percent: 100 },
  ],
  soakSeconds: 0,
  gate: { maxFailurePercent: 20 },
};

describe('phased rollout with real agents', () => {
  const adminToken = 'rm_admin_e2e-rollout-0123456789';
  let work: string;
  let server: ServerProcess;
  let agents: AgentFleet;
  let env: NodeJS.ProcessEnv;
  let api: AdminApi;

  const cli = async <T>(...args: string[]): Promise<T> => {
    const result = await runCli([...args, '--json'], env);
    if (result.code !== 0)
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  function updateDir(id: string, installExit: number): string {
    const dir = path.join(work, 'updates', id);
    mkdirSync(dir, { recursive: true });
    const marker = `${work}/host/${id}.$RINGMASTER_COMPUTER_ID`;
    writeFileSync(
      path.join(dir, 'install.sh'),
      `echo "$RINGMASTER_COMPUTER_ID" >> "${work}/host/${id}.runs"\n` +
        (installExit === 0 ? `touch "${marker}"\n` : '') +
        `exit ${installExit}\n`,
    );
    writeFileSync(path.join(dir, 'uninstall.sh'), `rm -f "${marker}"\n`);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id,
        title: id,
        severity: 'important',
        platforms: [{ os: 'linux' }],
        files: ['install.sh', 'uninstall.sh'],
        detect: { type: 'command', command: `test -f "${marker}"` },
        install: { command: 'sh install.sh', timeoutSeconds: 30 },
        uninstall: { command: 'sh uninstall.sh', timeoutSeconds: 30 },
      }),
    );
    return dir;
  }

  const runsOf = (id: string): string[] => {
    try {
      return readFileSync(path.join(work, 'host', `${id}.runs`), 'utf8')
        .trim()
        .split('\n');
    } catch {
      return [];
    }
  };

  const lastSeen = async (): Promise<number[]> =>
    (
      await api<{ items: { lastSeenAt: string | null }[] }>('GET', '/api/v1/computers?limit=500')
    ).items.map((c) => (c.lastSeenAt === null ? 0 : Date.parse(c.lastSeenAt)));
  const lastCheckIn = async (): Promise<number> => Math.max(...(await lastSeen()));
  /** Waits until every computer has checked in after `since` (ms). */
  const checkInRoundAfter = (since: number): Promise<true> =>
    waitFor(
      `every computer to check in after ${new Date(since).toISOString()}`,
      async () => (await lastSeen()).every((at) => at > since),
      60_000,
    );

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-rollout-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: ['--checkin-interval', '2'],
    });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    api = adminApi(server, adminToken);
    await cli('update', 'import', updateDir('E2E-BAD', 1));
    await cli('update', 'import', updateDir('E2E-GOOD', 0));
    await cli('group', 'create', 'fleet');
    const enrollment = await cli<{ token: string }>(
      'enrollment',
      'create',
      '--group',
      'fleet',
      '--uses',
      '20',
    );
    agents = startAgents({
      count: 20,
      server: server.url,
      enrollmentToken: enrollment.token,
      workDir: path.join(work, 'agents'),
      prefix: 'pc',
    });
    await waitFor(
      '20 computers to enroll',
      async () => (await api<{ total: number }>('GET', '/api/v1/computers?limit=1')).total === 20,
      90_000,
    );
  }, 120_000);

  afterAll(async () => {
    await agents.stop();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'halts a bad update in the first phase; the second phase never runs it',
    { timeout: 120_000 },
    async () => {
      const created = await api<Deployment>('POST', '/api/v1/deployments', {
        update: 'E2E-BAD',
        group: 'fleet',
        plan: pilotThenBroad,
      });
      const halted = await waitFor(
        'the deployment to halt',
        async () => {
          const d = await api<Deployment>('GET', `/api/v1/deployments/${created.id}`);
          return d.state === 'halted' ? d : undefined;
        },
        60_000,
      );
      expect(halted.stateReason).toMatch(/failures .* > 20% in pilot/);
      const targets = await api<DeploymentComputers>(
        'GET',
        `/api/v1/deployments/${created.id}/computers?limit=500`,
      );
      const pilot = new Set(
        targets.items.filter((c) => c.phase === 'pilot').map((c) => c.computerId),
      );
      expect(pilot.size).toBe(2);
      // Two full rounds of check-ins later (each computer has run and reported whatever
      // its first check-in after the halt gave it), only pilot computers ever ran it.
      await checkInRoundAfter(Date.now());
      await checkInRoundAfter(await lastCheckIn());
      const ran = runsOf('E2E-BAD');
      expect(ran.length).toBeGreaterThan(0);
      expect(ran.every((id) => pilot.has(id))).toBe(true);
      const after = await api<Deployment>('GET', `/api/v1/deployments/${created.id}`);
      expect(after.phases.find((p) => p.name === 'broad')?.openedAt).toBeNull();
    },
  );

  it(
    'deploys a good update to all 20 in phases, then rolls it back from all 20',
    { timeout: 180_000 },
    async () => {
      const created = await api<Deployment>('POST', '/api/v1/deployments', {
        update: 'E2E-GOOD',
        group: 'fleet',
        plan: pilotThenBroad,
      });
      await waitFor(
        'all 20 installed',
        async () =>
          (await api<Deployment>('GET', `/api/v1/deployments/${created.id}`)).counts.installed ===
          20,
        90_000,
      );
      expect(new Set(runsOf('E2E-GOOD')).size).toBe(20);
      expect(
        readdirSync(path.join(work, 'host')).filter((f) => f.startsWith('E2E-GOOD.cmp_')),
      ).toHaveLength(20);

      const rolling = await api<Deployment>('POST', `/api/v1/deployments/${created.id}/rollback`, {
        reason: 'e2e rollback',
      });
      expect(rolling.state).toBe('rolling-back');
      const rolled = await waitFor(
        'all 20 uninstalled',
        async () => {
          const d = await api<Deployment>('GET', `/api/v1/deployments/${created.id}`);
          return d.counts.uninstalled === 20 ? d : undefined;
        },
        90_000,
      );
      expect(
        readdirSync(path.join(work, 'host')).filter((f) => f.startsWith('E2E-GOOD.cmp_')),
      ).toHaveLength(0);
      await waitFor(
        'the deployment to be rolled back',
        async () =>
          (await api<Deployment>('GET', `/api/v1/deployments/${rolled.id}`)).state ===
          'rolled-back',
        10_000,
      );
    },
  );
});
