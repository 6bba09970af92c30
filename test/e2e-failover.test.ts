import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownPostgresDatabase } from './support/pg-database.js';
import { startAgents, type AgentFleet } from './support/agents.js';
import { adminApi, runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * A real agent given both replicas of one installation (two server processes on one
 * PostgreSQL database, one shared data directory for the content). The replica it uses
 * is killed: the agent holds its push channel on the other, is woken through it, checks
 * in and reports an install there. The servers ask for a check-in once a day, so every
 * cycle after the first can only come from a wake-up.
 */
const CHECKIN_INTERVAL_SECONDS = 86_400;

describe('an agent fails over between replicas', () => {
  const adminToken = 'rm_admin_failover-0123456789';
  const db = ownPostgresDatabase('ringmaster_failover');
  let work: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let agent: AgentFleet | null = null;

  const start = () =>
    startServerProcess({
      dataDir: path.join(work, 'server'),
      adminToken,
      databaseUrl: db.url,
      extraArgs: ['--checkin-interval', String(CHECKIN_INTERVAL_SECONDS)],
    });
  const health = async (server: ServerProcess) =>
    (await (await fetch(`${server.url}/healthz`)).json()) as { pushConnected: number };
  const cli = async (server: ServerProcess, ...args: string[]) => {
    const result = await runCli([...args, '--json'], {
      RINGMASTER_URL: server.url,
      RINGMASTER_TOKEN: adminToken,
    });
    if (result.code !== 0) throw new Error(`ringmaster ${args.join(' ')}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };

  beforeAll(async () => {
    await db.create();
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-failover-'));
    // One after the other: the first migrates the new database.
    a = await start();
    b = await start();
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await Promise.all([a.stop(), b.stop()]);
    rmSync(work, { recursive: true, force: true });
    await db.drop();
  });

  it(
    'keeps checking in, holds the push channel and reports an install through the surviving replica',
    { timeout: 150_000 },
    async () => {
      const marker = path.join(work, 'E2E-FAILOVER.installed');
      const dir = path.join(work, 'update');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'install.sh'), `touch "${marker}"\n`);
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify({
          id: 'E2E-FAILOVER',
          title: 'Installed after a failover',
          severity: 'critical',
          platforms: [{ os: 'linux' }],
          files: ['install.sh'],
          detect: { type: 'file', path: marker },
          install: { command: 'sh install.sh', timeoutSeconds: 60 },
        }),
      );
      await cli(a, 'update', 'import', dir);
      await cli(a, 'group', 'create', 'replicated');
      const { token } = (await cli(a, 'enrollment', 'create', '--group', 'replicated')) as {
        token: string;
      };

      agent = startAgents({
        count: 1,
        server: `${a.url},${b.url}`,
        enrollmentToken: token,
        workDir: work,
        prefix: 'fo',
        args: ['--json'],
      });
      const log = () => agent?.logs()[0] ?? '';
      const stateDir = path.join(work, 'fo-00');
      type Status = { server: string | null; servers: string[]; pushServer: string | null };
      const status = async () => {
        const result = await runCli(['agent', 'status', '--state-dir', stateDir, '--json']);
        return JSON.parse(result.stdout) as Status;
      };

      // Enrolled and checked in through its own replica, where it holds the push channel.
      const first = await waitFor(
        'the push channel',
        async () => {
          const s = await status();
          return s.pushServer !== null ? s : undefined;
        },
        60_000,
      );
      expect(first.servers).toEqual([a.url, b.url]);
      expect(first.pushServer).toBe(first.server);
      // The agent's log comes through a pipe: it may arrive after its status file.
      await waitFor('a check-in in the log', () => log().includes('"event":"checked-in"'), 20_000);
      const [used, survivor] = first.server === a.url ? [a, b] : [b, a];
      expect((await health(used)).pushConnected).toBe(1);
      const checkinsBefore = log().split('"event":"checked-in"').length;

      used.child.kill('SIGKILL');
      await waitFor(
        'the push channel on the surviving replica',
        async () => (await health(survivor)).pushConnected === 1,
        30_000,
      );
      await waitFor(
        'agent status to name the surviving replica',
        async () => {
          const s = await status();
          return s.server === survivor.url && s.pushServer === survivor.url;
        },
        10_000,
      );

      // A wake-up sent through the survivor reaches it: it checks in and scans at once.
      expect(await cli(survivor, 'scan', 'fo-00')).toMatchObject({ computers: 1 });
      await waitFor('a full scan', () => /"event":"scanned".*"full":true/.test(log()), 30_000);
      expect(log().split('"event":"checked-in"').length).toBeGreaterThan(checkinsBefore);

      // An emergency deployment made there: installed, and the report taken by the survivor.
      const deployment = (await cli(
        survivor,
        'deployment',
        'create',
        '--update',
        'E2E-FAILOVER',
        '--group',
        'replicated',
        '--emergency',
        '--reason',
        'failover test',
      )) as { id: string };
      const api = adminApi(survivor, adminToken);
      await waitFor(
        'the install reported',
        async () => {
          const d = await api<{ counts: Record<string, number> }>(
            'GET',
            `/api/v1/deployments/${deployment.id}`,
          );
          return d.counts.installed === 1;
        },
        60_000,
      );
      expect(existsSync(marker)).toBe(true);
    },
  );
});
