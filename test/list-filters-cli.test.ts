import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, runProgram } from '../src/cli/cli.test-support.js';
import { manifestFactory } from './factories/update.factory.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

const io = captureOutput();

/** `update list`, `deployment list` and `group list` filter on the server, as `computer list` does. */
describe('the list commands filter by text, kind and group, against a server', () => {
  let server: TestServer;
  let url = '';
  const cli = (...args: string[]) => runProgram(...args, '--url', url, '--token', ADMIN_TOKEN);
  const admin = async (path: string, payload: Record<string, unknown>) => {
    const res = await server.app.inject({
      method: 'POST',
      url: path,
      headers: server.adminHeaders,
      payload,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };
  /** The ids (or names) of a list command's --json answer. */
  const listed = async (...args: string[]) => {
    io.out = '';
    expect(await cli(...args, '--json'), io.err).toBe(0);
    const page = JSON.parse(io.out) as {
      items: { id?: string; name?: string; updates?: string[] }[];
    };
    return page.items.map((i) => i.updates?.[0] ?? i.name ?? i.id);
  };

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const [id, title, severity] of [
      ['CLI-KERNEL', 'Kernel fix', 'critical'],
      ['CLI-PRINTER', 'Printer driver', 'low'],
    ] as const) {
      const manifest = manifestFactory({
        id,
        title,
        severity,
        files: [],
        install: { command: 'true', timeoutSeconds: 60 },
        uninstall: undefined,
      });
      await admin('/api/v1/updates', { manifest, files: [] });
    }
    await admin('/api/v1/groups', { name: 'paris-desks' });
    await admin('/api/v1/groups', { name: 'paris-linux', query: 'os = "linux"' });
    await admin('/api/v1/deployments', { update: 'CLI-KERNEL', group: 'paris-desks' });
    await admin('/api/v1/deployments', { update: 'CLI-PRINTER', group: 'paris-linux' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('update list --q and --severity', async () => {
    expect(await listed('update', 'list', '--q', 'printer')).toEqual(['CLI-PRINTER']);
    expect(await listed('update', 'list', '--severity', 'critical')).toEqual(['CLI-KERNEL']);
    expect(await cli('update', 'list', '--severity', 'urgent')).not.toBe(0);
    expect(io.err).toContain('urgent');
  });

  it('deployment list --q and --group', async () => {
    expect(await listed('deployment', 'list', '--q', 'cli-kernel')).toEqual(['CLI-KERNEL']);
    expect(await listed('deployment', 'list', '--group', 'paris-linux')).toEqual(['CLI-PRINTER']);
    expect(await listed('deployment', 'list', '--group', 'nobody')).toEqual([]);
    expect(await cli('deployment', 'list', '--state', 'paused')).not.toBe(0);
    expect(io.err).toContain('paused');
  });

  it('group list --q and --kind', async () => {
    expect(await listed('group', 'list', '--q', 'PARIS')).toEqual(['paris-desks', 'paris-linux']);
    expect(await listed('group', 'list', '--q', 'paris', '--kind', 'query')).toEqual([
      'paris-linux',
    ]);
    expect(await cli('group', 'list', '--kind', 'dynamic')).not.toBe(0);
    expect(io.err).toContain('dynamic');
  });
});
