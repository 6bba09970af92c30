import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChild } from '../bench/lib/server-process.js';
import type { ContentStatusView, PointView } from '../src/contracts/distribution.js';
import {
  adminCli,
  cliEntry,
  freePort,
  runCli,
  startServerProcess,
  type ServerProcess,
} from './support/processes.js';
import { waitFor } from './support/wait.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type PointStats = {
  bytesServed: Record<string, number>;
  requests: { sha256: string; start: number; status: number; bytes: number }[];
};

/**
 * A server, two distribution points for two sites and real agents at both: the phase
 * opens only once both points hold the files, verified; agents download from their
 * site's point (the server sends them no content bytes), a corrupted copy is caught by
 * the agent, told, and fetched from the server; an interrupted download resumes.
 */
describe('distribution points end to end', () => {
  const adminToken = 'rm_admin_e2e-distribution-0123456789ab';
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  const { text: cliText, json: cli } = adminCli(() => env);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-dp-'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopChild(c, 5000)));
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Bytes of content the server began to send to computers (the metric; none yet: 0). */
  const serverBytesToComputers = async () => {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const line = (await res.text())
      .split('\n')
      .find((l) => l.startsWith('ringmaster_content_bytes_sent_total{to="computer"}'));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  function startPoint(site: string, token: string, port: number, extra: string[] = []) {
    const data = path.join(work, `point-${site}`);
    const child = spawn(
      process.execPath,
      [
        cliEntry,
        'distribution-point',
        'run',
        '--server',
        server.url,
        '--token',
        token,
        '--site',
        site,
        '--data',
        data,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--poll',
        '1',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    children.push(child);
    return { data, log: () => log };
  }

  const stats = async (port: number) =>
    (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as PointStats;

  const agentArgs = (name: string, site: string, token: string) => [
    cliEntry,
    'agent',
    '--server',
    server.url,
    '--enrollment-token',
    token,
    '--state-dir',
    path.join(work, `agent-${name}`),
    '--hostname',
    name,
    '--hardware-id',
    `hw-${name}`,
    '--site',
    site,
    '--once',
  ];
  const cycle = async (name: string, site: string, token: string) => {
    const run = await runCli(agentArgs(name, site, token).slice(1), {});
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    return run.stdout + run.stderr;
  };

  it(
    'stages before the phase opens, serves agents from their points, catches a corrupt copy and resumes a cut download',
    { timeout: 240_000 },
    async () => {
      const marker = path.join(work, 'installed');
      mkdirSync(marker);
      const dir = path.join(work, 'updates', 'E2E-DP');
      mkdirSync(dir, { recursive: true });
      const script = Buffer.from(
        `test -s payload.bin && touch "${marker}/$RINGMASTER_COMPUTER_ID"\n`,
      );
      const payload = randomBytes(4 * 1024 * 1024);
      writeFileSync(path.join(dir, 'install.sh'), script);
      writeFileSync(path.join(dir, 'payload.bin'), payload);
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify({
          id: 'E2E-DP',
          title: 'Distributed update',
          severity: 'important',
          platforms: [{ os: 'linux' }],
          files: ['install.sh', 'payload.bin'],
          detect: { type: 'command', command: `test -f "${marker}/$RINGMASTER_COMPUTER_ID"` },
          install: { command: 'sh install.sh', timeoutSeconds: 60 },
        }),
      );
      await cli('update', 'import', dir);
      await cli('group', 'create', 'offices');
      const { token } = await cli<{ token: string }>('enrollment', 'create', '--group', 'offices');

      // Both computers enroll first, each at its site.
      await cycle('tokyo-pc', 'tokyo', token);
      await cycle('osaka-pc', 'osaka', token);

      const [tokyoPort, osakaPort] = [await freePort(), await freePort()];
      const tokyo = await cli<PointView>(
        'distribution-point',
        'register',
        '--site',
        'tokyo',
        `http://127.0.0.1:${tokyoPort}`,
      );
      const osaka = await cli<PointView>(
        'distribution-point',
        'register',
        '--site',
        'osaka',
        `http://127.0.0.1:${osakaPort}`,
      );
      expect(await cliText('site', 'list')).toMatch(/tokyo\s+1\s+1/);

      const deployment = await cli<{ id: string }>(
        'deployment',
        'create',
        '--update',
        'E2E-DP',
        '--group',
        'offices',
      );
      type Shown = { waitingFor: string | null; phases: { openedAt: string | null }[] };
      const show = () => cli<Shown>('deployment', 'show', deployment.id);
      await waitFor(
        'the deployment waiting for content',
        async () => (await show()).waitingFor?.includes('waiting for content') === true,
        30_000,
      );
      const waiting = await show();
      expect(waiting.waitingFor).toContain(
        `site osaka: ${osaka.id} lacks install.sh (not-reported)`,
      );
      expect(waiting.waitingFor).toContain(`site tokyo: ${tokyo.id} lacks`);
      expect(waiting.phases[0]?.openedAt).toBeNull();
      expect(await cliText('content', 'status', deployment.id)).toContain('waiting for content');
      // Nothing is assigned while the content is not staged.
      await cycle('tokyo-pc', 'tokyo', token);
      expect(await serverBytesToComputers()).toBe(0);

      // The points replicate, verify and report; then, and only then, the phase opens.
      const tokyoPoint = startPoint('tokyo', tokyo.token ?? '', tokyoPort, [
        '--rate-limit',
        String(1024 * 1024),
      ]);
      const osakaPoint = startPoint('osaka', osaka.token ?? '', osakaPort);
      await waitFor(
        'the phase opened',
        async () => (await show()).phases[0]?.openedAt != null,
        60_000,
      ).catch(async (error: unknown) => {
        const now = await cliText('content', 'status', deployment.id);
        throw new Error(
          `${String(error)}\n${now}\ntokyo point:\n${tokyoPoint.log()}\nosaka point:\n${osakaPoint.log()}`,
        );
      });
      const status = await cli<ContentStatusView>('content', 'status', deployment.id);
      expect(status.deployments[0]).toMatchObject({ ready: true });
      const points = await cli<{ items: PointView[] }>('distribution-point', 'list');
      expect(points.items.map((p) => [p.site, p.files.staged])).toEqual([
        ['osaka', 2],
        ['tokyo', 2],
      ]);
      const events = (await (
        await fetch(
          `${server.url}/api/v1/deployments/${deployment.id}/events?order=asc&limit=500`,
          {
            headers: { authorization: `Bearer ${adminToken}` },
          },
        )
      ).json()) as { items: { type: string }[] };
      const types = events.items.map((e) => e.type);
      expect(types).toContain('waiting-for-content');
      expect(types.indexOf('waiting-for-content')).toBeLessThan(types.indexOf('phase-opened'));
      expect(
        readFileSync(
          path.join(tokyoPoint.data, 'sha256', sha(payload).slice(0, 2), sha(payload)),
        ).equals(payload),
      ).toBe(true);

      // Tokyo: the download is cut (the agent killed mid-file), then resumes from the point.
      const cut = spawn(process.execPath, agentArgs('tokyo-pc', 'tokyo', token), {
        stdio: 'ignore',
      });
      children.push(cut);
      await waitFor(
        'the point sending 1 MiB',
        async () => ((await stats(tokyoPort)).bytesServed[sha(payload)] ?? 0) >= 1024 * 1024,
        60_000,
      );
      cut.kill('SIGKILL');
      await new Promise((resolve) => cut.once('exit', resolve));
      await cycle('tokyo-pc', 'tokyo', token);
      const tokyoStats = await stats(tokyoPort);
      const payloadRequests = tokyoStats.requests.filter((r) => r.sha256 === sha(payload));
      expect(payloadRequests.map((r) => r.status)).toEqual([200, 206]);
      const [first, resumed] = payloadRequests;
      // Cut part way, then resumed from what had arrived: only the rest was sent again.
      expect(first?.bytes).toBeLessThan(payload.length);
      expect(resumed?.start).toBeGreaterThan(0);
      expect(resumed?.bytes).toBe(payload.length - (resumed?.start ?? 0));
      expect(await serverBytesToComputers()).toBe(0);

      // Osaka: its point's copy of install.sh is corrupted on disk after staging.
      const scriptOnPoint = path.join(
        osakaPoint.data,
        'sha256',
        sha(script).slice(0, 2),
        sha(script),
      );
      const garbage = Buffer.alloc(script.length, 0x41);
      writeFileSync(scriptOnPoint, garbage);
      const osakaRun = await cycle('osaka-pc', 'osaka', token);
      // Fetched from the server instead: exactly that file's bytes, nothing else.
      expect(await serverBytesToComputers()).toBe(script.length);
      const osakaStats = await stats(osakaPort);
      expect(osakaStats.bytesServed[sha(payload)]).toBe(payload.length);

      type Computer = {
        statuses: { updateId: string; state: string }[];
        contentProblems: { pointId: string; problem: string; detail: string | null }[];
      };
      const osakaPc = await cli<Computer>('computer', 'show', 'osaka-pc');
      expect(osakaPc.statuses, JSON.stringify(osakaPc.statuses) + osakaRun).toMatchObject([
        { updateId: 'E2E-DP', state: 'installed' },
      ]);
      expect(osakaPc.contentProblems).toMatchObject([{ pointId: osaka.id, problem: 'corrupt' }]);
      expect(osakaPc.contentProblems[0]?.detail).toContain(sha(garbage));
      expect(await cliText('computer', 'show', 'osaka-pc')).toContain(
        'Bad copies at distribution points',
      );
      const tokyoPc = await cli<Computer>('computer', 'show', 'tokyo-pc');
      expect(tokyoPc.statuses).toMatchObject([{ updateId: 'E2E-DP', state: 'installed' }]);
      expect(tokyoPc.contentProblems).toEqual([]);

      // Told of the bad copy, the point hashes it again and fetches a good one.
      await waitFor(
        "the point's copy repaired",
        () => readFileSync(scriptOnPoint).equals(script),
        30_000,
      );
      expect(osakaRun).not.toContain('hash-mismatch');
    },
  );
});
