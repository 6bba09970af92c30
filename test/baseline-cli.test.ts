import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram } from '../src/cli/cli.test-support.js';
import type { BaselineComplianceView, BaselineView } from '../src/contracts/baseline.js';
import { inventoryFactory, manifestFactory, sha256 } from './factories/update.factory.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

const io = captureOutput();
const script = 'echo fix\n';

/** `ringmaster baseline …` and `report compliance --baseline` against a real server. */
describe('ringmaster baseline, against a server', () => {
  let server: TestServer;
  let url = '';
  let computerId = '';
  let deploymentId = '';
  const cli = (...args: string[]) => runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);
  const a = manifestFactory();
  const b = manifestFactory();
  const admin = async (method: 'POST' | 'PUT', path: string, payload: unknown) => {
    const res = await server.app.inject({
      method,
      url: path,
      headers: server.adminHeaders,
      payload: payload as Record<string, unknown>,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<Record<string, unknown>>();
  };

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await server.app.inject({
      method: 'PUT',
      url: `/api/v1/content/${sha256(script)}`,
      headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
      payload: script,
    });
    const files = [{ path: 'install.sh', sha256: sha256(script), size: script.length }];
    for (const manifest of [a, b]) await admin('POST', '/api/v1/updates', { manifest, files });
    await admin('POST', '/api/v1/groups', { name: 'office' });
    const token = await admin('POST', '/api/v1/enrollments', {});
    const inventory = inventoryFactory({ hostname: 'desk-1' });
    const enrolled = await server.app.inject({
      method: 'POST',
      url: '/agent/v1/enroll',
      payload: { enrollmentToken: token.token, inventory },
    });
    const pc = enrolled.json<{ computerId: string; credential: string }>();
    computerId = pc.computerId;
    await admin('POST', '/api/v1/groups/office/members', { computers: [computerId] });
    const deployment = await admin('POST', '/api/v1/deployments', {
      updates: [a.id, b.id],
      group: 'office',
      plan: { phases: [{ name: 'all', percent: 100 }] },
    });
    deploymentId = String(deployment.id);
    const scan = await server.app.inject({
      method: 'POST',
      url: `/agent/v1/computers/${computerId}/scan`,
      headers: { authorization: `Bearer ${pc.credential}` },
      payload: {
        scannedAt: new Date().toISOString(),
        findings: [
          { updateId: a.id, result: 'found' },
          { updateId: b.id, result: 'not-found' },
        ],
      },
    });
    expect(scan.statusCode).toBe(200);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates, adds from a deployment, removes, shows and lists', async () => {
    expect(
      await cli('baseline', 'create', 'office-2026', '--group', 'office', '--description', 'desks'),
      io.err,
    ).toBe(0);
    expect(io.out).toContain('Created baseline office-2026 (0 update(s))');
    expect(await cli('baseline', 'add', 'office-2026', '--from-deployment', deploymentId)).toBe(0);
    expect(io.out).toContain('now holds 2 update(s)');
    expect(await cli('baseline', 'remove', 'office-2026', '--update', b.id)).toBe(0);
    expect(await cli('baseline', 'add', 'office-2026', '--update', b.id)).toBe(0);
    io.out = '';
    expect(await cli('baseline', 'show', 'office-2026', '--json')).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      name: 'office-2026',
      description: 'desks',
      groups: ['office'],
      updates: [a.id, b.id].sort(),
    } satisfies Partial<BaselineView>);
    io.out = '';
    expect(await cli('baseline', 'list')).toBe(0);
    expect(io.out).toMatch(/office-2026\s+office\s+2\s/);
  });

  it('reports compliance to the baseline: totals first, the missing update and why; JSON and CSV agree', async () => {
    io.out = '';
    expect(await cli('report', 'compliance', '--baseline', 'office-2026'), io.err).toBe(0);
    expect(io.out).toContain('1 computer(s): 0 compliant, 1 non-compliant, 0 unknown');
    expect(io.out).toMatch(
      new RegExp(`desk-1\\s+non-compliant\\s+.*${b.id}\\s+missing\\s+the scan`),
    );
    io.out = '';
    expect(await cli('report', 'compliance', '--baseline', 'office-2026', '--format', 'json')).toBe(
      0,
    );
    const json = JSON.parse(io.out) as BaselineComplianceView;
    expect(json.computers[0]).toMatchObject({ computerId, state: 'non-compliant', installed: 1 });
    io.out = '';
    expect(await cli('report', 'compliance', '--baseline', 'office-2026', '--format', 'csv')).toBe(
      0,
    );
    const rows = parse<Record<string, string>>(io.out, { columns: true });
    expect(rows.map((r) => [r.hostname, r.state, r.updateId, r.kind, r.why])).toEqual(
      json.computers.flatMap((c) =>
        c.gaps.map((g) => [c.hostname, c.state, g.updateId, g.kind, g.why]),
      ),
    );
  });

  it('changes a baseline (rename, description, groups, updates) and deletes it', async () => {
    await admin('POST', '/api/v1/groups', { name: 'lab' });
    expect(await cli('baseline', 'create', 'scratch', '--group', 'office'), io.err).toBe(0);
    io.out = '';
    expect(
      await cli(
        'baseline',
        'set',
        'scratch',
        '--rename',
        'scratch-2',
        '--description',
        'lab and office',
        '--group',
        'lab,office',
        '--update',
        a.id,
      ),
      io.err,
    ).toBe(0);
    expect(io.out).toContain('Changed baseline scratch-2.');
    expect(io.out).toMatch(/Groups:\s+lab, office/);
    io.out = '';
    expect(await cli('baseline', 'set', 'scratch-2', '--description', '', '--json')).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      name: 'scratch-2',
      description: null,
      groups: ['lab', 'office'],
      updates: [a.id],
    } satisfies Partial<BaselineView>);
    io.out = '';
    expect(await cli('baseline', 'delete', 'scratch-2')).toBe(0);
    expect(io.out).toContain('Deleted baseline scratch-2 (it held 1 update(s)).');
    io.err = '';
    expect(await cli('baseline', 'show', 'scratch-2')).not.toBe(0);
    expect(io.err).toContain('baseline "scratch-2" was not found');
    expect(await cli('baseline', 'delete', 'scratch-2')).not.toBe(0);
  });

  it('refuses bad flags before any call, and names what the server did not find', async () => {
    expect(await cli('baseline', 'add', 'office-2026')).toBe(2);
    expect(io.err).toContain('nothing to add');
    expect(await cli('baseline', 'set', 'office-2026')).toBe(2);
    expect(io.err).toContain('nothing to change');
    expect(await cli('report', 'compliance', '--state', 'unknown')).toBe(2);
    expect(await cli('report', 'compliance', '--baseline', 'x', '--by', 'group')).toBe(2);
    io.err = '';
    expect(await cli('baseline', 'show', 'no-such')).not.toBe(0);
    expect(io.err).toContain('baseline "no-such" was not found');
    expect(await cli('baseline', 'create', 'y', '--group', 'nope')).not.toBe(0);
    expect(io.err).toContain('group "nope" was not found');
    io.err = '';
    expect(await cli('baseline', 'set', 'office-2026', '--update', 'NO-SUCH')).not.toBe(0);
    expect(io.err).toContain('update "NO-SUCH" was not found');
    io.err = '';
    expect(await cli('baseline', 'set', 'office-2026', '--rename', 'bad name')).not.toBe(0);
    expect(io.err).toContain('name');
  });
});
