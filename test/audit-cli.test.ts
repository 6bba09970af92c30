import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram } from '../src/cli/cli.test-support.js';
import type { AuditEntryView } from '../src/contracts/audit.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

const io = captureOutput();

/** `ringmaster audit export` against a real server: CSV and JSON agree, entry for entry. */
describe('ringmaster audit export, against a server', () => {
  let server: TestServer;
  let url = '';
  const cli = (...args: string[]) => runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const name of ['web', 'db, "quoted"\nname']) {
      await server.app.inject({
        method: 'POST',
        url: '/api/v1/groups',
        headers: server.adminHeaders,
        payload: { name },
      });
    }
    await server.app.inject({ method: 'POST', url: '/api/v1/deployments/dep_x/halt', payload: {} });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('round-trips: the CSV parsed back is the JSON export', async () => {
    expect(
      await cli('audit', 'export', '--format', 'json', '--action', 'createGroup'),
      io.err,
    ).toBe(0);
    const json = JSON.parse(io.out) as AuditEntryView[];
    expect(json.map((e) => e.target)).toEqual([{}, {}]);
    expect(json.map((e) => (e.body as { name: string }).name)).toEqual([
      'web',
      'db, "quoted"\nname',
    ]);
    io.out = '';
    expect(await cli('audit', 'export', '--format', 'csv', '--action', 'createGroup')).toBe(0);
    const rows = parse<Record<string, string>>(io.out, { columns: true });
    expect(rows.map((r) => Number(r.id))).toEqual(json.map((e) => e.id));
    expect(rows.map((r) => JSON.parse(r.body ?? 'null') as unknown)).toEqual(
      json.map((e) => e.body),
    );
    expect(rows.map((r) => r.actor)).toEqual(['first admin', 'first admin']);
  });

  it('lists the refused call of a caller without a token, and the export reads themselves', async () => {
    io.out = '';
    expect(await cli('audit', '--since', '1h', '--limit', '100')).toBe(0);
    expect(io.out).toMatch(/haltDeployment\s+dep_x\s+401 unauthorized/);
    expect(io.out).toMatch(/exportAudit/);
    expect(io.out).toMatch(/listAudit/);
  });
});
