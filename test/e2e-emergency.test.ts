import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Fifty real agents holding the push channel, told to check in once a day: an emergency
 * deployment starts on all of them long before any is due to poll, so only the push
 * channel can explain it. How fast it reaches them is a benchmark figure (emergency
 * reach in `npm run bench`), not a claim of this test: a loaded machine is slower.
 */
const CHECKIN_INTERVAL_SECONDS = 86_400;

describe('emergency deployment over the push channel', () => {
  const adminToken = 'rm_admin_e2e-emergency-0123456789';
  const count = 50;
  let work: string;
  let server: ServerProcess;
  let agents: AgentFleet;
  let env: NodeJS.ProcessEnv;
  let api: AdminApi;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-emergency-'));
    server = await startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      extraArgs: ['--checkin-interval', String(CHECKIN_INTERVAL_SECONDS)],
    });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
    api = adminApi(server, adminToken);
    const dir = path.join(work, 'update');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'fix.sh'), `touch "${work}/fixed.$RINGMASTER_COMPUTER_ID"\n`);
    writeFileSync(
      path.join(dir, 'update.json'),
      JSON.stringify({
        id: 'E2E-ZERO-DAY',
        title: 'Zero-day fix',
        severity: 'critical',
        classification: 'security',
        platforms: [{ os: 'linux' }],
        files: ['fix.sh'],
        detect: { type: 'command', command: `test -f "${work}/fixed.$RINGMASTER_COMPUTER_ID"` },
        install: { command: 'sh fix.sh', timeoutSeconds: 30 },
      }),
    );
    for (const args of [
      ['update', 'import', dir],
      ['group', 'create', 'everyone'],
    ]) {
      const r = await runCli([...args, '--json'], env);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const enrollment = await runCli(['enrollment', 'create', '--group', 'everyone', '--json'], env);
    const token = (JSON.parse(enrollment.stdout) as { token: string }).token;
    agents = startAgents({
      count,
      server: server.url,
      enrollmentToken: token,
      workDir: work,
      prefix: 'em',
    });
    await waitFor(
      `${count} agents on the push channel`,
      async () => {
        const health = (await (await fetch(`${server.url}/healthz`)).json()) as {
          pushConnected: number;
        };
        return health.pushConnected === count;
      },
      150_000,
      500,
    );
  }, 180_000);

  afterAll(async () => {
    await agents.stop();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(`starts the install on all ${count} over the push channel, none at its poll`, async () => {
    const created = await api<{ id: string }>('POST', '/api/v1/deployments', {
      update: 'E2E-ZERO-DAY',
      group: 'everyone',
      plan: {
        phases: [
          { name: 'first', percent: 10 },
          { name: 'all', percent: 100 },
        ],
        emergency: { reason: 'actively exploited' },
        gate: { minSuccessPercent: 0 },
      },
    });
    // Each agent checked in once and was told to come back in a day; the wait is bounded
    // far below that, so a start can only come from a wake on the push channel.
    await waitFor(
      `all ${count} to start`,
      async () => {
        const d = await api<{ counts: Record<string, number> }>(
          'GET',
          `/api/v1/deployments/${created.id}`,
        );
        return d.counts.pending === 0;
      },
      120_000,
      100,
    );
    const { items: events } = await api<{ items: { type: string; message: string }[] }>(
      'GET',
      `/api/v1/deployments/${created.id}/events?limit=500`,
    );
    expect(events.find((e) => e.type === 'created')?.message).toContain(
      'EMERGENCY: actively exploited',
    );
  }, 150_000);
});
