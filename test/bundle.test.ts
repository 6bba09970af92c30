import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';

type Entry = { name: string; data: Buffer };

/** The entries of a tar archive, in order. */
async function entriesOf(archive: Buffer): Promise<Entry[]> {
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  const entries: Entry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, data: Buffer.concat(chunks) });
  }
  return entries;
}

async function archiveOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const install = 'mkdir -p /opt/bundle && touch /opt/bundle/fix\n';
const uninstall = 'rm -f /opt/bundle/fix\n';

for (const engine of ENGINES) {
  describe(`a deployment carried from one server to another on ${engine}`, () => {
    let test: TestServer;
    let prod: TestServer;
    let bundle: Buffer;
    let deploymentId: string;
    const manifest = manifestFactory({ files: ['install.sh', 'uninstall.sh'] });
    const plan = {
      phases: [
        { name: 'pilot', groups: ['pilot'] },
        { name: 'broad', percent: 100, start: { afterSeconds: 3600 } },
      ],
      recurrenceByGroup: {},
    };

    const call = (
      server: TestServer,
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      payload?: unknown,
    ) =>
      server.app.inject({
        method,
        url,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const importBundle = (archive: Buffer, query = '') =>
      prod.app.inject({
        method: 'POST',
        url: `/api/v1/bundles${query}`,
        headers: { ...prod.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: archive,
      });

    beforeAll(async () => {
      [test, prod] = await Promise.all([startTestServer(engine), startTestServer(engine)]);
      for (const body of [install, uninstall]) {
        const put = await test.app.inject({
          method: 'PUT',
          url: `/api/v1/content/${sha256(body)}`,
          headers: { ...test.adminHeaders, 'content-type': 'application/octet-stream' },
          payload: body,
        });
        expect(put.statusCode).toBe(201);
      }
      const files = [
        { path: 'install.sh', sha256: sha256(install), size: Buffer.byteLength(install) },
        { path: 'uninstall.sh', sha256: sha256(uninstall), size: Buffer.byteLength(uninstall) },
      ];
      expect((await call(test, 'POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(
        201,
      );
      for (const name of ['pilot', 'all-test']) {
        expect((await call(test, 'POST', '/api/v1/groups', { name })).statusCode).toBe(201);
      }
      const created = await call(test, 'POST', '/api/v1/deployments', {
        update: manifest.id,
        groups: ['all-test', 'pilot'],
        plan,
      });
      expect(created.statusCode).toBe(201);
      deploymentId = created.json<{ id: string }>().id;
      const exported = await call(test, 'GET', `/api/v1/deployments/${deploymentId}/bundle`);
      expect(exported.statusCode).toBe(200);
      bundle = exported.rawPayload;
    });
    afterAll(async () => {
      await Promise.all([test.stop(), prod.stop()]);
    });

    it('exports a signed index first, then each file once', async () => {
      const entries = await entriesOf(bundle);
      expect(entries.map((e) => e.name)).toEqual([
        'bundle.json',
        ...[sha256(install), sha256(uninstall)].map((h) => `content/${h}`),
      ]);
      const index = JSON.parse(entries[0]?.data.toString() ?? '') as {
        signed: { deployment: { id: string; groups: string[] } };
        signatures: unknown[];
      };
      expect(index.signed.deployment.id).toBe(deploymentId);
      expect(index.signatures).toHaveLength(1);
    });

    it('refuses, storing nothing, while a target group is missing, and names it', async () => {
      const res = await importBundle(bundle);
      expect(res.statusCode).toBe(409);
      const body = res.json<{
        error: string;
        message: string;
        details: { missingGroups: string[] };
      }>();
      expect(body.error).toBe('missing-groups');
      expect(body.details.missingGroups.sort()).toEqual(['all-test', 'pilot']);
      expect((await call(prod, 'GET', `/api/v1/updates/${manifest.id}`)).statusCode).toBe(404);
    });

    it('refuses a bundle altered after export: a file, the index, or another signer', async () => {
      const entries = await entriesOf(bundle);
      const flipped = entries.map((e, i) =>
        i === 1 ? { ...e, data: Buffer.from(e.data.toString().replace('touch', 'tocch')) } : e,
      );
      const badFile = await importBundle(
        await archiveOf(flipped),
        '?dryRun=true&mapGroups=all-test=pilot',
      );
      expect(badFile.statusCode).toBe(400);
      expect(badFile.json<{ message: string }>().message).toContain('altered after export');

      const index = entries[0]?.data.toString() ?? '';
      const replanned = index.replace('"afterSeconds":3600', '"afterSeconds":60');
      expect(replanned).not.toBe(index);
      const badIndex = await importBundle(
        await archiveOf([
          { name: 'bundle.json', data: Buffer.from(replanned) },
          ...entries.slice(1),
        ]),
        '?dryRun=true',
      );
      expect(badIndex.statusCode).toBe(400);
      expect(badIndex.json<{ message: string }>().message).toContain('signature does not match');

      const otherSigner = await importBundle(bundle, `?dryRun=true&expectSigner=${'0'.repeat(64)}`);
      expect(otherSigner.statusCode).toBe(400);
      expect(otherSigner.json<{ message: string }>().message).toContain('not by the expected');

      const missingFile = await importBundle(await archiveOf(entries.slice(0, 2)), '?dryRun=true');
      expect(missingFile.statusCode).toBe(400);
      expect(missingFile.json<{ message: string }>().message).toContain(
        'listed but not in the bundle',
      );
    });

    it('a dry run reports the mapping and stores nothing', async () => {
      expect((await call(prod, 'POST', '/api/v1/groups', { name: 'pilot' })).statusCode).toBe(201);
      expect(
        (await call(prod, 'POST', '/api/v1/groups', { name: 'workstations' })).statusCode,
      ).toBe(201);
      const res = await importBundle(bundle, '?dryRun=true&mapGroups=all-test%3Dworkstations');
      expect(res.statusCode).toBe(200);
      const report = res.json<{
        updates: { id: string; outcome: string }[];
        groups: { name: string; mappedTo: string; exists: boolean }[];
        missingGroups: string[];
        deploymentId: string | null;
      }>();
      expect(report.updates).toEqual([{ id: manifest.id, outcome: 'would-create', files: 2 }]);
      expect(report.groups).toEqual([
        { name: 'all-test', mappedTo: 'workstations', exists: true },
        { name: 'pilot', mappedTo: 'pilot', exists: true },
      ]);
      expect(report.missingGroups).toEqual([]);
      expect(report.deploymentId).toBeNull();
      expect((await call(prod, 'GET', `/api/v1/updates/${manifest.id}`)).statusCode).toBe(404);
    });

    it('imports the same updates, hashes and plan, approved on the mapped groups', async () => {
      const res = await importBundle(bundle, '?mapGroups=all-test%3Dworkstations');
      expect(res.statusCode).toBe(201);
      const report = res.json<{ deploymentId: string; updates: { outcome: string }[] }>();
      expect(report.updates.map((u) => u.outcome)).toEqual(['created']);

      const [source, copy] = await Promise.all([
        call(test, 'GET', `/api/v1/updates/${manifest.id}`),
        call(prod, 'GET', `/api/v1/updates/${manifest.id}`),
      ]);
      type Update = { manifest: unknown; files: unknown };
      expect(copy.json<Update>().files).toEqual(source.json<Update>().files);
      expect(copy.json<Update>().manifest).toEqual(source.json<Update>().manifest);

      type Deployment = { updates: string[]; groups: string[]; plan: unknown; state: string };
      const [before, after] = await Promise.all([
        call(test, 'GET', `/api/v1/deployments/${deploymentId}`),
        call(prod, 'GET', `/api/v1/deployments/${report.deploymentId}`),
      ]);
      const original = before.json<Deployment>();
      const imported = after.json<Deployment>();
      expect(imported.updates).toEqual(original.updates);
      expect(imported.plan).toEqual(original.plan);
      expect([...imported.groups].sort()).toEqual(['pilot', 'workstations']);
      expect(imported.state).toBe('active');

      // The same bundle again: the updates are already there with the same content.
      const again = await importBundle(bundle, '?dryRun=true&mapGroups=all-test%3Dworkstations');
      expect(again.json<{ updates: { outcome: string }[] }>().updates[0]?.outcome).toBe('existing');
    });

    it('refuses what is not a bundle with a 400', async () => {
      const res = await importBundle(Buffer.from('not a tar archive at all'));
      expect(res.statusCode).toBe(400);
      const mapped = await importBundle(bundle, '?dryRun=true&mapGroups=nonsense');
      expect(mapped.statusCode).toBe(400);
      expect(mapped.json<{ message: string }>().message).toContain('mapGroups');
    });
  });
}
