import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCore } from '../src/agent/core/agent-core.js';
import { ServerCallError, type ServerClient } from '../src/agent/core/server-client.js';
import { HttpServerClient } from '../src/agent/http-client.js';
import { runInstallCommand } from '../src/agent/installers/command-installer.js';
import { ManifestIndex, SimComputer, SimHost } from '../src/sim/sim-host.js';
import { createApiClient, type ApiClient } from '../src/client/api-client.js';
import { ENGINES } from './support/engines.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/test-server.js';

/**
 * The agent's part of idempotent enrollment, against the real server: the server
 * enrolls the computer but its answer is lost (killed before it was sent); the
 * agent's next cycle retries with the nonce it kept, and is the same computer.
 */
for (const engine of ENGINES) {
  describe(`an agent whose enrollment answer was lost, on ${engine}`, () => {
    let server: TestServer;
    let api: ApiClient;
    let http: HttpServerClient;

    beforeAll(async () => {
      server = await startTestServer(engine);
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const address = server.app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      api = createApiClient({ url, token: ADMIN_TOKEN });
      http = new HttpServerClient({ serverUrl: url });
    });
    afterAll(async () => {
      await http.close();
      await server.stop();
    });

    it('retries with its kept nonce: one computer, one token use, no re-image', async () => {
      const token = await api.createEnrollment({ expiresInSeconds: 3600, uses: 1 });
      let lost = 1;
      const client: ServerClient = Object.assign(Object.create(http) as ServerClient, {
        enroll: async (body: Parameters<ServerClient['enroll']>[0]) => {
          const answer = await http.enroll(body);
          if (lost-- > 0) throw new ServerCallError('server unreachable: ECONNRESET', null, 'x');
          return answer;
        },
      });
      const computer = new SimComputer(
        0,
        `lost-${engine}`,
        `hw-lost-${engine}`,
        null,
        10_000,
        null,
        Date.now(),
        1,
      );
      const host = new SimHost(computer, {
        index: new ManifestIndex(),
        now: () => Date.now(),
        sleep: () => Promise.resolve(),
        installMs: () => 0,
        approvalMs: () => 0,
        agentVersion: 'test',
      });
      const core = new AgentCore({
        host,
        client,
        installer: runInstallCommand,
        enrollmentToken: token.token ?? '',
        now: () => new Date(),
      });

      const first = await core.runCycle();
      expect(first).toMatchObject({ outcome: 'failed', stage: 'enroll', transient: true });
      const second = await core.runCycle();
      expect(second.outcome).toBe('ok');

      const computers = (await api.listComputers({ q: computer.hostname })).items.filter(
        (c) => c.hostname === computer.hostname,
      );
      expect(computers).toHaveLength(1);
      expect(computers[0]?.reimageCount).toBe(0);
      expect((await api.listReimageRequests()).total).toBe(0);
      expect((await api.listEnrollments()).items.find((e) => e.id === token.id)?.uses).toBe(1);
    });
  });
}
