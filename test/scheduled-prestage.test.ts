import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCore } from '../src/agent/core/agent-core.js';
import { RealHost } from '../src/agent/host/real-host.js';
import { HttpServerClient } from '../src/agent/http-client.js';
import { runInstallCommand } from '../src/agent/installers/command-installer.js';
import { nodeTrustCrypto } from '../src/agent/trust-crypto.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The scheduled policy with a maintenance window: a real agent is told of the install
 * ahead of its window, downloads and verifies the files at once, and installs when the
 * window opens without downloading anything more. Server and agent on one virtual clock.
 */
for (const engine of ENGINES) {
  describe(`content staged on the computer before a scheduled install, on ${engine}`, () => {
    // Monday 1 June 2026; the group's window opens on Saturdays at 01:00 UTC.
    let now = Date.parse('2026-06-01T09:00:00Z');
    const saturday = Date.parse('2026-06-06T01:00:00Z');
    let server: TestServer;
    let client: HttpServerClient;
    let work: string;

    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), 'rm-prestage-'));
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const address = server.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      client = new HttpServerClient({ serverUrl: `http://127.0.0.1:${port}` });
    });
    afterAll(async () => {
      await client.close();
      await server.stop();
      rmSync(work, { recursive: true, force: true });
    });

    /** Content bytes the server began to send to computers (the metric). */
    const bytesToComputers = async () => {
      const res = await server.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: server.adminHeaders,
      });
      const line = res.body
        .split('\n')
        .find((l) => l.startsWith('ringmaster_content_bytes_sent_total{to="computer"}'));
      return line ? Number(line.split(' ')[1]) : 0;
    };

    it('downloads at once, installs at the window without another download', async () => {
      const fleet = fleetDriver(server, () => now);
      const marker = path.join(work, 'installed');
      const script = `touch "${marker}"\n`;
      const manifest = manifestFactory({ detect: { type: 'file', path: marker } });
      expect((await fleet.importUpdate(manifest, script)).status).toBe(201);
      await fleet.admin('POST', '/api/v1/groups', { name: 'weekend' });
      await fleet.admin('PUT', '/api/v1/groups/weekend/windows', {
        windows: [{ cron: '0 1 * * 6', durationMinutes: 240, timezone: 'UTC' }],
      });
      const { body: enrollment } = await fleet.admin<{ token: string }>(
        'POST',
        '/api/v1/enrollments',
        { group: 'weekend' },
      );
      const stateDir = path.join(work, 'agent');
      const core = new AgentCore({
        host: new RealHost({ stateDir, hostname: 'weekend-1', hardwareId: 'hw-weekend-1' }),
        client,
        installer: runInstallCommand,
        enrollmentToken: enrollment.token,
        now: () => new Date(now),
        verifier: nodeTrustCrypto(),
      });
      await core.runCycle(); // enrolls; nothing deployed yet
      const created = await fleet.admin<{ id: string }>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'weekend',
      });
      expect(created.status).toBe(201);
      await server.services.engine.run();

      // Monday: told ahead, the agent downloads and verifies, and waits for Saturday.
      await core.runCycle();
      const computers = async () =>
        (
          await fleet.admin<{ items: { state: string; message: string | null }[] }>(
            'GET',
            `/api/v1/deployments/${created.body.id}/computers`,
          )
        ).body.items;
      expect(await computers()).toMatchObject([
        {
          state: 'downloaded',
          message: expect.stringContaining('installs at 2026-06-06T01:00:00'),
        },
      ]);
      expect(existsSync(marker)).toBe(false);
      const sent = await bytesToComputers();
      expect(sent).toBe(Buffer.byteLength(script));

      // Saturday, in the window: installed from the copy already held, nothing fetched.
      now = saturday + 30_000;
      await core.runCycle();
      expect(existsSync(marker)).toBe(true);
      expect((await computers()).map((c) => c.state)).toEqual(['installed']);
      expect(await bytesToComputers()).toBe(sent);
    });
  });
}
