import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import { ownPostgresDatabase } from './support/pg-database.js';
import { adminApi, startServerProcess, type ServerProcess } from './support/processes.js';
import { waitFor } from './support/wait.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Two server processes on one PostgreSQL, each with its own data directory and nothing
 * shared but the database: a file uploaded through one is downloaded from the other,
 * whole and by range, and a corrupt copy in the other's directory is never sent.
 */
describe('content across replicas without a shared directory', () => {
  const adminToken = 'rm_admin_replica-content-0123456789';
  const db = ownPostgresDatabase('ringmaster_content');
  let work: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    await db.create();
    work = mkdtempSync(path.join(tmpdir(), 'ringmaster-replica-content-'));
    a = await startServerProcess({
      dataDir: path.join(work, 'a'),
      adminToken,
      databaseUrl: db.url,
    });
    b = await startServerProcess({
      dataDir: path.join(work, 'b'),
      adminToken,
      databaseUrl: db.url,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(work, { recursive: true, force: true });
    await db.drop();
  });

  it(
    'serves on one replica, whole and by range, a file uploaded through the other',
    { timeout: 60_000 },
    async () => {
      // Several of the database's 1 MiB chunks, the last one partial.
      const data = randomBytes(2.5 * 1024 * 1024);
      const hash = sha256(data);
      const onA = adminApi(a, adminToken);
      const put = await fetch(`${a.url}/api/v1/content/${hash}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${adminToken}`,
          'content-type': 'application/octet-stream',
        },
        body: data,
      });
      expect(put.status, await put.text()).toBe(201);
      const manifest = manifestFactory();
      await onA('POST', '/api/v1/updates', {
        manifest,
        files: [{ path: 'install.sh', sha256: hash, size: data.length }],
      });
      await onA('POST', '/api/v1/groups', { name: 'all' });
      const token = await onA<{ token: string }>('POST', '/api/v1/enrollments', { group: 'all' });
      const inventory = inventoryFactory();
      const enrolled = (await (
        await fetch(`${b.url}/agent/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ enrollmentToken: token.token, inventory }),
        })
      ).json()) as { computerId: string; credential: string };
      const auth = { authorization: `Bearer ${enrolled.credential}` };
      await onA('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'all',
        plan: { phases: [{ name: 'all', percent: 100 }], emergency: { reason: 'test' } },
      });
      await waitFor(
        'the assignment, told by b',
        async () => {
          const res = await fetch(`${b.url}/agent/v1/computers/${enrolled.computerId}/checkin`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ inventory }),
          });
          const told = (await res.json()) as { assignments?: { updateId: string }[] };
          return told.assignments?.some((x) => x.updateId === manifest.id);
        },
        20_000,
      );

      const cachedOnB = path.join(work, 'b', 'content', 'sha256', hash.slice(0, 2), hash);
      await expect(stat(cachedOnB)).rejects.toThrow();
      const download = (range?: string) =>
        fetch(`${b.url}/agent/v1/content/${hash}`, {
          headers: { ...auth, ...(range ? { range } : {}) },
        });

      const whole = await download();
      expect(whole.status).toBe(200);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(hash);
      // Across the first chunk boundary (1 MiB).
      const part = await download('bytes=1048000-1049999');
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 1048000-1049999/${data.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(data.subarray(1048000, 1050000));

      // b keeps a copy of what it served from the database...
      await waitFor(
        "b's cached copy",
        async () => (await stat(cachedOnB).catch(() => null))?.size === data.length,
        20_000,
      );
      expect(sha256(await readFile(cachedOnB))).toBe(hash);
      // ...and a copy gone bad is never served: the answer still hashes right.
      const corrupt = Buffer.from(data);
      corrupt.fill(0, 2 * 1024 * 1024, 2 * 1024 * 1024 + 10);
      await writeFile(cachedOnB, corrupt);
      const again = await download();
      expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(hash);
      await waitFor(
        "b's cached copy, written again",
        async () => sha256(await readFile(cachedOnB)) === hash,
        20_000,
      );
      // The log comes through a pipe: it may arrive after the copy is written again.
      await waitFor(
        'the bad copy in the log',
        () => Promise.resolve(b.log().includes('the cached copy is corrupt')),
        20_000,
      );
      const metrics = await (
        await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).text();
      expect(metrics).toMatch(/^ringmaster_content_cache_corrupt_total 1$/m);
      expect(metrics).toMatch(/^ringmaster_content_chunks_read_total\{from="cache"\} [1-9]/m);
    },
  );
});
