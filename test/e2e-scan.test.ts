import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChild } from '../bench/lib/server-process.js';
import { cliEntry, runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * The scan with real processes: a real agent installs an update, someone removes it
 * behind the deployment's back, and the agent's next scan makes it a discrepancy.
 */
describe('the scan end to end', () => {
  const adminToken = 'rm_admin_e2e-scan-0123456789abcdef';
  let work: string;
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;

  const cliText = async (...args: string[]) => {
    const result = await runCli(args, env);
    if (result.code !== 0)
      throw new Error(`ringmaster ${args.join(' ')} failed:\n${result.stderr}`);
    return result.stdout;
  };
  const cli = async (...args: string[]) => JSON.parse(await cliText(...args, '--json')) as unknown;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-e2e-scan-'));
    mkdirSync(path.join(work, 'host'));
    server = await startServerProcess({ dataDir: path.join(work, 'server'), adminToken });
    env = { RINGMASTER_URL: server.url, RINGMASTER_TOKEN: adminToken };
  });
  afterAll(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'flags an update removed behind the deployment at the next scan',
    { timeout: 180_000 },
    async () => {
      const marker = path.join(work, 'host', 'E2E-SCAN.installed');
      const dir = path.join(work, 'updates', 'E2E-SCAN');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'install.sh'), `touch "${marker}"\n`);
      writeFileSync(
        path.join(dir, 'update.json'),
        JSON.stringify({
          id: 'E2E-SCAN',
          title: 'Scanned update',
          severity: 'important',
          platforms: [{ os: 'linux' }],
          files: ['install.sh'],
          detect: { type: 'file', path: marker },
          install: { command: 'sh install.sh', timeoutSeconds: 60 },
        }),
      );
      await cli('update', 'import', dir);
      await cli('group', 'create', 'scanned');
      const enrollment = (await cli('enrollment', 'create', '--group', 'scanned')) as {
        token: string;
      };
      const deployment = (await cli(
        'deployment',
        'create',
        '--update',
        'E2E-SCAN',
        '--group',
        'scanned',
      )) as {
        id: string;
      };
      const stateDir = path.join(work, 'agent-state');
      const agentArgs = [
        'agent',
        '--server',
        server.url,
        '--state-dir',
        stateDir,
        '--hostname',
        'scan-pc',
      ];
      const cycle = async () => {
        const run = await runCli(
          [...agentArgs, '--enrollment-token', enrollment.token, '--once', '--json'],
          {},
        );
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        return run.stdout;
      };

      // Installed by the deployment, and found by the scan that follows in the same cycle.
      const first = await cycle();
      expect(first).toMatch(/"event":"scanned".*"sent":1/);
      type Computer = {
        id: string;
        scans: { updateId: string; result: string; detectedAt: string; changedAt: string }[];
        discrepancies: { updateId: string; deploymentId: string | null }[];
      };
      const shown = async () => (await cli('computer', 'show', 'scan-pc')) as Computer;
      expect((await shown()).scans).toMatchObject([{ updateId: 'E2E-SCAN', result: 'found' }]);
      expect(await cli('report', 'discrepancies')).toEqual([]);

      // Someone removes it by hand: the status still says installed.
      unlinkSync(marker);
      const second = await cycle();
      expect(second).toMatch(/"event":"scanned".*"sent":1/);
      const found = (await cli('report', 'discrepancies')) as Record<string, unknown>[];
      expect(found).toEqual([
        expect.objectContaining({
          hostname: 'scan-pc',
          updateId: 'E2E-SCAN',
          deploymentId: deployment.id,
          status: 'installed',
          scan: 'not-found',
        }),
      ]);
      expect((await shown()).discrepancies).toMatchObject([{ updateId: 'E2E-SCAN' }]);
      const detail = (await cli('deployment', 'show', deployment.id)) as {
        discrepancies: unknown[];
      };
      expect(detail.discrepancies).toHaveLength(1);
      expect(await cliText('report', 'discrepancies')).toMatch(/scan-pc\s+E2E-SCAN\s+installed/);

      // Unchanged scans send nothing and write no finding: changed-at stays, last seen moves.
      const before = (await shown()).scans[0];
      expect(await cycle()).toMatch(/"event":"scanned".*"sent":0/);
      expect(await cycle()).toMatch(/"event":"scanned".*"sent":0/);
      const after = (await shown()).scans[0];
      expect(after?.changedAt).toBe(before?.changedAt);
      expect(Date.parse(after?.detectedAt ?? '')).toBeGreaterThan(
        Date.parse(before?.detectedAt ?? ''),
      );

      // The CSV export says what the JSON says.
      for (const by of ['update', 'group', 'computer']) {
        const json = (await cli('report', 'compliance', '--by', by)) as {
          rows: Record<string, unknown>[];
        };
        const csv = await cliText('report', 'compliance', '--by', by, '--format', 'csv');
        const rows = parse<Record<string, string>>(csv, { columns: true });
        expect(rows).toEqual(
          json.rows.map(({ key, computerId, ...counts }) => ({
            [by]: key,
            computerId: computerId ?? '',
            ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, String(v)])),
          })),
        );
      }
      expect(
        ((await cli('report', 'compliance', '--by', 'update')) as { rows: unknown[] }).rows,
      ).toEqual([expect.objectContaining({ key: 'E2E-SCAN', required: 1, installed: 0 })]);

      // On demand: the running agent holds the push channel; `ringmaster scan` makes it scan now.
      const agent = spawn(process.execPath, [cliEntry, ...agentArgs, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      agent.stdout.on('data', (d: Buffer) => (log += d.toString()));
      agent.stderr.on('data', (d: Buffer) => (log += d.toString()));
      try {
        await waitFor('the push channel', () => log.includes('"push-connected"'), 60_000);
        writeFileSync(marker, '');
        expect(await cliText('scan', 'scan-pc')).toContain(
          'Asked 1 computer(s) of scan-pc to scan',
        );
        await waitFor('a full scan', () => /"event":"scanned".*"full":true/.test(log), 60_000);
        await waitFor(
          'the finding',
          async () => (await shown()).scans[0]?.result === 'found',
          60_000,
        );
        expect(await cli('report', 'discrepancies')).toEqual([]);
      } finally {
        await stopChild(agent, 10_000);
      }
    },
  );
});
