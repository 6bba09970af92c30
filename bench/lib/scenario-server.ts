/** A server on a fresh database for one simulator scenario, and what the scenarios share. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApiClient, type ApiClient } from '../../src/client/api-client.js';
import { importUpdate, prepareUpdate } from '../../src/client/update-import.js';
import type { ScenarioContext } from './scenario-types.js';
import { startServer, type BenchServer } from './server-process.js';

/** The open-file limit of this machine's processes (the server holds one socket per stream). */
export function openFileLimit(): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
    return m ? Number(m[2]) : null;
  } catch {
    return null;
  }
}

export async function withServer<T>(
  ctx: ScenarioContext,
  extraArgs: string[],
  body: (server: BenchServer, api: ApiClient, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ringmaster-bench-sim-${ctx.engine}-`));
  const db = await ctx.freshDatabase(dataDir);
  const adminToken = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
  let server: BenchServer | null = null;
  try {
    server = await startServer({
      cliEntry: ctx.cliEntry,
      dataDir,
      databaseUrl: db.url,
      adminToken,
      extraArgs,
    });
    if (ctx.priority !== null) ctx.setPriority([server.pid], ctx.priority);
    const api = createApiClient({ url: server.origin, token: adminToken });
    return await body(server, api, dataDir);
  } finally {
    if (server) await server.stop();
    await db.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** An update the simulator installs from its own state: no files, detect a marker, `true`. */
export async function importBenchUpdate(
  api: ApiClient,
  dataDir: string,
  id: string,
): Promise<void> {
  const dir = path.join(dataDir, 'update-' + id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'update.json'),
    JSON.stringify({
      id,
      title: `Benchmark update ${id}`,
      severity: 'critical',
      classification: 'security',
      platforms: [{ os: 'linux' }],
      files: [],
      detect: { type: 'file', path: `/nonexistent/${id}` },
      install: { command: 'true', timeoutSeconds: 60 },
    }),
  );
  await importUpdate(api, await prepareUpdate(dir));
}

export async function healthz(origin: string): Promise<{ pushConnected: number; time: string }> {
  const res = await fetch(`${origin}/healthz`);
  return (await res.json()) as { pushConnected: number; time: string };
}
