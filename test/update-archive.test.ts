import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackUpdateArchive } from '../src/server/content/update-archive.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { tarGz, zip, type ArchiveEntry } from './factories/archive.factory.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';

const example = new URL('../examples/updates/RM-2026-0001/', import.meta.url).pathname;

async function exampleEntries(prefix: string): Promise<ArchiveEntry[]> {
  const names = ['update.json', 'install.sh', 'uninstall.sh'];
  const files = await Promise.all(
    names.map(async (n) => ({ name: prefix + n, content: await readFile(example + n) })),
  );
  return prefix ? [{ name: prefix, folder: true }, ...files] : files;
}

const install = 'echo installed\n';

function updateEntries(overrides: Record<string, unknown> = {}, files?: ArchiveEntry[]) {
  const manifest = manifestFactory(overrides);
  return {
    manifest,
    entries: [
      { name: 'update.json', content: JSON.stringify(manifest) },
      ...(files ?? [{ name: 'install.sh', content: install }]),
    ] as ArchiveEntry[],
  };
}

type Refusal = { error: string; message: string; details: { issues: { field: string }[] } };

for (const engine of ENGINES) {
  describe(`update import from an archive on ${engine}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => {
      await server.stop();
    });

    const upload = (body: Buffer) =>
      injectChecked(server.app, {
        method: 'POST',
        url: '/api/v1/updates/archive',
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: body,
      });
    const refusal = async (body: Buffer) => {
      const res = await upload(body);
      expect(res.statusCode, res.body).toBe(400);
      return res.json<Refusal>();
    };

    it('imports the example folder packed as .tar.gz in its own folder, content and all; again is 200', async () => {
      const archive = await tarGz(await exampleEntries('RM-2026-0001/'));
      const res = await upload(archive);
      expect(res.statusCode, res.body).toBe(201);
      const update = res.json<{ id: string; files: { path: string; sha256: string }[] }>();
      expect(update.id).toBe('RM-2026-0001');
      const installSh = await readFile(example + 'install.sh');
      expect(update.files).toContainEqual(
        expect.objectContaining({ path: 'install.sh', sha256: sha256(installSh) }),
      );
      // The content is in the store, under its hash.
      expect(await buffer(server.services.content.open(sha256(installSh)))).toEqual(installSh);
      expect((await upload(archive)).statusCode).toBe(200);
    });

    it('imports a .zip with update.json at its top, and leaves an audit entry', async () => {
      const { manifest, entries } = updateEntries();
      const res = await upload(await zip(entries));
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ id: manifest.id });
      const audit = await injectChecked(server.app, {
        method: 'GET',
        url: '/api/v1/audit?action=importUpdateArchive',
        headers: server.adminHeaders,
      });
      expect(audit.json<{ items: { status: number; after: unknown }[] }>().items).toContainEqual(
        expect.objectContaining({ status: 201, after: { id: manifest.id } }),
      );
    });

    it('refuses a path that climbs out of the folder, in either format, and stores nothing', async () => {
      const { manifest, entries } = updateEntries();
      const evil = [...entries, { name: '../../evil.sh', content: 'rm -rf /' }];
      for (const archive of [await tarGz(evil), await zip(evil)]) {
        const body = await refusal(archive);
        expect(body.details.issues.map((i) => i.field)).toEqual(['archive']);
        expect(body.message).toContain('"../../evil.sh": ".." would reach outside');
      }
      const found = await injectChecked(server.app, {
        method: 'GET',
        url: `/api/v1/updates/${manifest.id}`,
        headers: server.adminHeaders,
      });
      expect(found.statusCode).toBe(404);
    });

    it('refuses absolute paths and links', async () => {
      const { entries } = updateEntries();
      const absolute = await refusal(
        await tarGz([...entries, { name: '/etc/cron.d/x', content: 'x' }]),
      );
      expect(absolute.message).toContain('"/etc/cron.d/x": an absolute path');
      for (const archive of [
        await tarGz([...entries, { name: 'link', linkTo: '/etc/passwd' }]),
        await zip([...entries, { name: 'link', linkTo: '/etc/passwd' }]),
      ]) {
        expect((await refusal(archive)).message).toMatch(/"link" is a (symlink|symbolic link)/);
      }
    });

    it('checks the update as `update import DIR` does: the manifest field, a missing file', async () => {
      const bad = updateEntries({ severity: 'apocalyptic' });
      const invalid = await refusal(await tarGz(bad.entries));
      expect(invalid.message).toMatch(/^archive: update\.json is not a valid manifest:/);
      expect(invalid.message).toContain('severity');
      // The message tells paths inside the archive, never where the server unpacked it.
      expect(invalid.message).not.toContain(server.dataDir);

      const missing = updateEntries({}, []);
      const body = await refusal(await zip(missing.entries));
      expect(body.message).toContain('files.0 "install.sh": no such file in the update folder');
    });

    it('refuses what is not an archive, an empty body, and an archive without update.json', async () => {
      expect((await refusal(Buffer.from('hello'))).message).toContain('not a .tar.gz or .zip');
      const empty = await upload(Buffer.alloc(0));
      expect(empty.statusCode).toBe(400);
      const none = await refusal(await tarGz([{ name: 'readme.txt', content: 'hi' }]));
      expect(none.message).toContain('no update.json');
      const cut = (await tarGz(updateEntries().entries)).subarray(0, 40);
      expect((await refusal(cut)).message).toContain('not a readable .tar.gz');
    });

    it('refuses an update id already in the catalog with other content (409)', async () => {
      const { manifest, entries } = updateEntries();
      expect((await upload(await tarGz(entries))).statusCode).toBe(201);
      const changed = await tarGz([
        { name: 'update.json', content: JSON.stringify(manifest) },
        { name: 'install.sh', content: 'echo changed\n' },
      ]);
      expect((await upload(changed)).statusCode).toBe(409);
    });

    it('needs the admin permission', async () => {
      const res = await injectChecked(server.app, {
        method: 'POST',
        url: '/api/v1/updates/archive',
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.from('x'),
      });
      expect(res.statusCode).toBe(401);
    });
  });
}

describe('unpacking an update archive', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rm-archive-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function unpack(
    archive: Buffer,
    limits = { maxArchiveBytes: 1e9, maxUnpackedBytes: 1e9, maxEntries: 100 },
  ) {
    const where = await mkdtemp(path.join(dir, 'case-'));
    const file = path.join(where, 'upload');
    await writeFile(file, archive);
    const into = path.join(where, 'out');
    await mkdir(into);
    return unpackUpdateArchive(file, into, limits);
  }

  it('stops a small archive that unpacks past the limit (a zip bomb) while unpacking', async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const archive = await tarGz([
      { name: 'update.json', content: '{}' },
      { name: 'big', content: zeros },
    ]);
    expect(archive.length).toBeLessThan(64 * 1024);
    await expect(
      unpack(archive, { maxArchiveBytes: 1e9, maxUnpackedBytes: 1024 * 1024, maxEntries: 100 }),
    ).rejects.toThrow(/unpacks to more than 1 MiB/);
  });

  it('refuses more entries than the limit, and the same name twice', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
    await expect(
      unpack(await tarGz(many), { maxArchiveBytes: 1e9, maxUnpackedBytes: 1e9, maxEntries: 4 }),
    ).rejects.toThrow(/more than 4 files and folders/);
    const twice = await tarGz([
      { name: 'update.json', content: '{}' },
      { name: './update.json', content: '{"x":1}' },
    ]);
    await expect(unpack(twice)).rejects.toThrow(/"update.json" appears twice/);
  });
});
