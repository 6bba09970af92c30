import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputBounds } from '../src/contracts/bounds.js';
import { maxQueryDepth } from '../src/domain/group-query.js';
import { manifestFactory, sha256 } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** `{"x":{"x":…"leaf"}}` as text: too deep for the test's own JSON.stringify. */
const nestedJson = (depth: number): string => `${'{"x":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
const script = 'true\n';

for (const engine of ENGINES) {
  describe(`inputs nested or sized without bound on ${engine}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(engine);
    });
    afterAll(async () => {
      await server.stop();
    });

    const post = (url: string, payload: string) =>
      server.app.inject({
        method: 'POST',
        url,
        headers: { ...server.adminHeaders, 'content-type': 'application/json' },
        payload,
      });
    const issues = (res: { json<T>(): T }) =>
      res.json<{ details: { issues: { field: string; message: string }[] } }>().details.issues;
    const deeper = `nests deeper than ${inputBounds.maxDepth} levels`;
    const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];

    it('a manifest with an unknown field nested 5,000 deep is a 400 naming the field', async () => {
      const manifest = JSON.stringify(manifestFactory({ files: ['install.sh'] }));
      const payload = `{"manifest":${manifest.slice(0, -1)},"extra":${nestedJson(5000)}},"files":${JSON.stringify(files)}}`;
      const res = await post('/api/v1/updates', payload);
      expect(res.statusCode).toBe(400);
      expect(issues(res)).toEqual([{ field: 'manifest.extra', message: deeper }]);
    });

    it('a plan nested 5,000 deep is a 400 naming the field', async () => {
      const put = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/content/${sha256(script)}`,
        headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
        payload: script,
      });
      expect(put.statusCode).toBe(201);
      const manifest = manifestFactory({ files: ['install.sh'] });
      const imported = await post('/api/v1/updates', JSON.stringify({ manifest, files }));
      expect(imported.statusCode).toBe(201);
      expect((await post('/api/v1/groups', JSON.stringify({ name: 'all' }))).statusCode).toBe(201);

      const plan = `{"phases":[{"name":"all","percent":100}],"extra":${nestedJson(5000)}}`;
      const res = await post(
        '/api/v1/deployments',
        `{"update":${JSON.stringify(manifest.id)},"group":"all","plan":${plan}}`,
      );
      expect(res.statusCode).toBe(400);
      expect(issues(res)).toEqual([{ field: 'plan.extra', message: deeper }]);
    });

    it('a group query nested too deep is a 400 naming the field', async () => {
      const query = `${'('.repeat(1000)}os = "linux"${')'.repeat(1000)}`;
      const res = await post('/api/v1/groups', JSON.stringify({ name: 'deep', query }));
      expect(res.statusCode).toBe(400);
      expect(issues(res)).toEqual([
        {
          field: 'query',
          message: `the query nests deeper than ${maxQueryDepth} levels of "not" and "(" at position ${maxQueryDepth + 1}`,
        },
      ]);
    });
  });
}
