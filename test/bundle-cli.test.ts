import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram } from '../src/cli/cli.test-support.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';

const io = captureOutput();

async function listening(server: TestServer): Promise<string> {
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** `ringmaster export` from one real server, `ringmaster import` into another. */
describe('ringmaster export and import, between two servers', () => {
  let test: TestServer;
  let prod: TestServer;
  let testUrl = '';
  let prodUrl = '';
  let dir = '';
  let deploymentId = '';
  const manifest = manifestFactory();
  const install = 'touch /opt/example/fix\n';
  const cli = (url: string, ...args: string[]) =>
    runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);

  beforeAll(async () => {
    [test, prod] = await Promise.all([startTestServer('sqlite'), startTestServer('sqlite')]);
    [testUrl, prodUrl] = await Promise.all([listening(test), listening(prod)]);
    dir = await mkdtemp(join(tmpdir(), 'rm-bundle-'));
    const admin = (method: 'POST' | 'PUT', url: string, payload: unknown) =>
      test.app.inject({
        method,
        url,
        headers: {
          ...test.adminHeaders,
          ...(typeof payload === 'string' ? { 'content-type': 'application/octet-stream' } : {}),
        },
        payload: payload as string,
      });
    await admin('PUT', `/api/v1/content/${sha256(install)}`, install);
    const files = [{ path: 'install.sh', sha256: sha256(install), size: install.length }];
    expect((await admin('POST', '/api/v1/updates', { manifest, files })).statusCode).toBe(201);
    expect((await admin('POST', '/api/v1/groups', { name: 'lab' })).statusCode).toBe(201);
    const created = await admin('POST', '/api/v1/deployments', {
      update: manifest.id,
      group: 'lab',
    });
    deploymentId = created.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await Promise.all([test.stop(), prod.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('carries the deployment over, reporting what needs mapping first', async () => {
    const file = join(dir, 'lab.bundle.tar');
    expect(await cli(testUrl, 'export', deploymentId, '--out', file), io.err).toBe(0);
    expect(io.out).toContain(`Wrote ${file}`);

    io.out = '';
    expect(await cli(prodUrl, 'import', file, '--dry-run')).toBe(0);
    expect(io.out).toMatch(/lab\s+lab\s+NO/);
    expect(io.out).toContain('Missing here: lab');

    expect(await cli(prodUrl, 'import', file)).not.toBe(0);
    expect(io.err).toContain('do not exist here');

    await prod.app.inject({
      method: 'POST',
      url: '/api/v1/groups',
      headers: prod.adminHeaders,
      payload: { name: 'workstations' },
    });
    io.out = '';
    expect(await cli(prodUrl, 'import', file, '--map-group', 'lab=workstations', '--json')).toBe(0);
    const report = JSON.parse(io.out) as { deploymentId: string; updates: { outcome: string }[] };
    expect(report.updates[0]?.outcome).toBe('created');
    const copy = await prod.app.inject({
      method: 'GET',
      url: `/api/v1/deployments/${report.deploymentId}`,
      headers: prod.adminHeaders,
    });
    expect(copy.json<{ groups: string[]; updates: string[] }>()).toMatchObject({
      groups: ['workstations'],
      updates: [manifest.id],
    });
  });

  it('refuses an altered bundle with a message that says so', async () => {
    const file = join(dir, 'altered.bundle.tar');
    expect(await cli(testUrl, 'export', deploymentId, '--out', file)).toBe(0);
    const bytes = await readFile(file);
    const at = bytes.indexOf('touch');
    expect(at).toBeGreaterThan(0);
    bytes.write('tOuch', at);
    await writeFile(file, bytes);
    expect(await cli(prodUrl, 'import', file, '--dry-run')).not.toBe(0);
    expect(io.err).toContain('altered after export');
  });

  it('names a missing deployment and leaves no file behind', async () => {
    const file = join(dir, 'none.bundle.tar');
    expect(await cli(testUrl, 'export', 'dep_missing', '--out', file)).not.toBe(0);
    await expect(readFile(file)).rejects.toThrow();
  });
});
