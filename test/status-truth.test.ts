import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCore } from '../src/agent/core/agent-core.js';
import { HttpServerClient } from '../src/agent/http-client.js';
import { runInstallCommand } from '../src/agent/installers/command-installer.js';
import type { DeploymentComputerView, DeploymentDetailView } from '../src/contracts/api.js';
import { ManifestIndex, SimComputer, SimHost } from '../src/sim/sim-host.js';
import { SimServerClient } from '../src/sim/sim-client.js';
import { manifestFactory } from './factories/update.factory.js';
import { injectChecked } from './support/declared-response.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * After halt, revoke and rollback the server's counts equal what each simulated
 * agent really holds: the update installed, an install waiting for its user, or nothing.
 */
type Agent = { computer: SimComputer; core: AgentCore };
type Truth = 'installed' | 'awaiting-user' | 'nothing';

/** What the agent holds for the update, read from its own memory and its computer. */
function truthOf(agent: Agent, updateId: string): Truth {
  if (agent.computer.isInstalled(updateId)) return 'installed';
  const memory = JSON.parse(agent.computer.memory ?? '{}') as { pending?: Record<string, unknown> };
  return memory.pending?.[updateId] ? 'awaiting-user' : 'nothing';
}

/** The server's state told the agent's way: cancelled and uninstalled hold nothing. */
function heldBy(state: string): string {
  return state === 'cancelled' || state === 'uninstalled' ? 'nothing' : state;
}

for (const engine of ENGINES) {
  describe(`status truth after admin actions, on ${engine}`, () => {
    let server: TestServer;
    let http: HttpServerClient;
    let url: string;

    beforeAll(async () => {
      server = await startTestServer(engine);
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const address = server.app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      http = new HttpServerClient({ serverUrl: url });
    });
    afterAll(async () => {
      await http.close();
      await server.stop();
    });

    const admin = async <T>(method: 'GET' | 'POST', path: string, payload?: object) => {
      const res = await injectChecked(server.app, {
        method,
        url: path,
        headers: server.adminHeaders,
        ...(payload === undefined ? {} : { payload }),
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json<T>();
    };
    /** Every computer × update of a deployment (one page holds these small fleets). */
    const computersOf = async (id: string) =>
      (
        await admin<{ items: DeploymentComputerView[] }>(
          'GET',
          `/api/v1/deployments/${id}/computers?limit=500`,
        )
      ).items;

    function agents(count: number, prefix: string, token: string, approving: number): Agent[] {
      const index = new ManifestIndex();
      return Array.from({ length: count }, (_, i) => {
        const computer = new SimComputer(
          i,
          `${prefix}-${i}`,
          `hw-${prefix}-${i}`,
          null,
          10_000,
          null,
          Date.now(),
          i + 1,
        );
        const ctx = {
          index,
          now: () => Date.now(),
          sleep: () => Promise.resolve(),
          installMs: () => 0,
          // The first `approving` people approve at once; the others never answer.
          approvalMs: (c: SimComputer) => (c.index < approving ? 0 : 365 * 86_400_000),
          agentVersion: 'test',
        };
        const counters = {
          enrolls: 0,
          checkins: 0,
          reportCalls: 0,
          reports: {},
          downloads: 0,
          unreachable: 0,
          absences: 0,
        };
        const client = new SimServerClient(http, computer, ctx, counters, Date.now());
        const core = new AgentCore({
          host: new SimHost(computer, ctx),
          client,
          installer: runInstallCommand,
          enrollmentToken: token,
          now: () => new Date(),
        });
        return { computer, core };
      });
    }

    const cycle = async (fleet: Agent[], times = 1) => {
      for (let i = 0; i < times; i += 1) for (const a of fleet) await a.core.runCycle();
    };

    async function expectTruth(id: string, updateId: string, fleet: Agent[]) {
      const shown = await admin<DeploymentDetailView>('GET', `/api/v1/deployments/${id}`);
      const rows = await computersOf(id);
      const truths = new Map(fleet.map((a) => [a.computer.hostname, truthOf(a, updateId)]));
      const byHost = Object.fromEntries(rows.map((c) => [c.hostname, heldBy(c.state)]));
      expect(byHost).toEqual(Object.fromEntries(truths));
      const held = (t: Truth) => [...truths.values()].filter((x) => x === t).length;
      expect(shown.counts.installed).toBe(held('installed'));
      expect(shown.counts['awaiting-user']).toBe(held('awaiting-user'));
      expect(shown.counts.cancelled + shown.counts.uninstalled).toBe(held('nothing'));
      expect(shown.counts.pending).toBe(0);
      return shown;
    }

    it('halt, resume, revoke and rollback leave counts that equal what the agents hold', async () => {
      const fleet = fleetDriver(server);
      const group = `truth-${engine}`;
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await admin('POST', '/api/v1/groups', { name: group });
      const token = await admin<{ token: string }>('POST', '/api/v1/enrollments', { group });
      const computers = agents(4, group, token.token, 1);
      await cycle(computers); // enrolled
      const created = await admin<DeploymentDetailView>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
        plan: { phases: [{ name: 'all', percent: 100 }], policy: 'notify' },
      });
      await server.services.engine.run(); // opens the phase
      await cycle(computers, 4); // asked, approved (one person), downloaded, installed
      const before = await expectTruth(created.id, manifest.id, computers);
      expect(before.counts).toMatchObject({ installed: 1, 'awaiting-user': 3 });

      const halted = await admin<DeploymentDetailView>(
        'POST',
        `/api/v1/deployments/${created.id}/halt`,
        { reason: 'checking a report' },
      );
      // In the halt's own answer: what the agents will drop is cancelled, by whom.
      expect(halted.counts).toMatchObject({ installed: 1, 'awaiting-user': 0, cancelled: 3 });
      const cancelled = (await computersOf(created.id)).find((c) => c.state === 'cancelled');
      expect(cancelled?.cancelled).toMatchObject({ by: 'halt', actor: expect.any(String) });
      await cycle(computers); // the agents drop the waiting installs
      await expectTruth(created.id, manifest.id, computers);

      await admin('POST', `/api/v1/deployments/${created.id}/resume`, {});
      await cycle(computers, 2); // re-assigned: asking their users again
      const resumed = await expectTruth(created.id, manifest.id, computers);
      expect(resumed.counts).toMatchObject({ installed: 1, 'awaiting-user': 3, cancelled: 0 });

      const revoked = await admin<DeploymentDetailView>(
        'POST',
        `/api/v1/deployments/${created.id}/revoke`,
        {},
      );
      expect(revoked.counts).toMatchObject({ installed: 1, 'awaiting-user': 0, cancelled: 3 });
      await cycle(computers);
      await expectTruth(created.id, manifest.id, computers);

      await admin('POST', `/api/v1/deployments/${created.id}/rollback`, {});
      await cycle(computers, 2);
      await server.services.engine.run();
      const rolled = await expectTruth(created.id, manifest.id, computers);
      expect(rolled.counts).toMatchObject({ installed: 0, uninstalled: 1, cancelled: 3 });
      expect(rolled.state).toBe('rolled-back');
    });

    it('a late report: an install that finished wins, a stale wait does not resurrect', async () => {
      const fleet = fleetDriver(server);
      const group = `late-${engine}`;
      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await admin('POST', '/api/v1/groups', { name: group });
      const [a, b] = await fleet.enroll(2, group, group);
      if (!a || !b) throw new Error('two computers');
      const created = await admin<DeploymentDetailView>('POST', '/api/v1/deployments', {
        update: manifest.id,
        group,
      });
      await server.services.engine.run();
      await fleet.report(a, manifest.id, created.id, 'downloaded');
      await fleet.report(b, manifest.id, created.id, 'downloaded');
      await admin('POST', `/api/v1/deployments/${created.id}/halt`, {});
      // Sent before the agents saw the halt.
      await fleet.report(a, manifest.id, created.id, 'awaiting-user');
      await fleet.report(b, manifest.id, created.id, 'installed');
      const shown = await computersOf(created.id);
      const state = (id: string) => shown.find((c) => c.computerId === id)?.state;
      expect(state(a.computerId)).toBe('cancelled');
      expect(state(b.computerId)).toBe('installed');
      const detail = await admin<DeploymentDetailView>('GET', `/api/v1/deployments/${created.id}`);
      expect(detail.counts).toMatchObject({ cancelled: 1, installed: 1, 'awaiting-user': 0 });
    });
  });
}
