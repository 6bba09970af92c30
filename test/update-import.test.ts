import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';

const content = 'mkdir -p /opt/example && touch /opt/example/fix\n';

/** What an import declares about its files is checked against what the server holds. */
for (const engine of ENGINES) {
  describe(`update import checks declared files on ${engine}`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(engine);
      const put = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(content)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: content,
      });
      expect(put.statusCode).toBe(201);
    });
    afterAll(async () => {
      await server.stop();
    });

    const post = (payload: Record<string, unknown>) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/updates',
        headers: server.adminHeaders,
        payload,
      });

    type Refusal = { error: string; message: string; details: { issues: { field: string }[] } };

    it('refuses a declared size that is not the size of the content, naming the file', async () => {
      const manifest = manifestFactory();
      const res = await post({
        manifest,
        files: [{ path: 'install.sh', sha256: sha256(content), size: 2 * 1024 ** 3 }],
      });
      expect(res.statusCode).toBe(400);
      const body = res.json<Refusal>();
      expect(body.error).toBe('validation-error');
      expect(body.details.issues.map((i) => i.field)).toEqual(['files.0.size']);
      expect(body.message).toContain(`"install.sh" declares 2147483648 bytes`);
      expect(body.message).toContain(`holds ${Buffer.byteLength(content)}`);
      expect(
        (
          await server.app.inject({
            method: 'GET',
            url: `/api/v1/updates/${manifest.id}`,
            headers: server.adminHeaders,
          })
        ).statusCode,
      ).toBe(404);

      const right = await post({
        manifest,
        files: [{ path: 'install.sh', sha256: sha256(content), size: Buffer.byteLength(content) }],
      });
      expect(right.statusCode).toBe(201);
    });

    it('refuses a NUL byte in a file path, in the manifest and in the file list', async () => {
      const path = 'install\u0000.sh';
      const res = await post({
        manifest: manifestFactory({ files: [path] }),
        files: [{ path, sha256: sha256(content), size: Buffer.byteLength(content) }],
      });
      expect(res.statusCode).toBe(400);
      const fields = res.json<Refusal>().details.issues.map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(['manifest.files.0', 'files.0.path']));
    });
  });
}
