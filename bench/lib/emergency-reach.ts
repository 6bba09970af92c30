/**
 * Emergency reach, with the fleet simulator (src/sim) in forked processes
 * (bench/sim-worker.ts) against the real server in its own: a server on a fresh
 * database with a 5-minute check-in pace; N simulated agents on the push channel (at
 * most SIM_PUSH_PER_PROCESS per sim process); once /healthz counts them connected, an
 * emergency deployment to all; the seconds from the POST until 95% of the online agents
 * started a cycle / reported installed, from the simulators' own per-computer times, and
 * from the server's counts as polled.
 */
import { reachSeconds } from './compliance.js';
import { healthz, importBenchUpdate, openFileLimit, withServer } from './scenario-server.js';
import type { EmergencyReach, NotMeasured, ScenarioContext } from './scenario-types.js';
import { SimProcess } from './sim-procs.js';
import { waitFor } from './wait.js';

/** Push streams per sim process: each is a socket, and a process may open 20,000 files. */
export const SIM_PUSH_PER_PROCESS = 17_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One entry per fleet size: its figures, or why it was not measured. */
export async function measureEmergencyReach(
  ctx: ScenarioContext,
): Promise<(EmergencyReach | NotMeasured)[]> {
  const out: (EmergencyReach | NotMeasured)[] = [];
  const limit = openFileLimit();
  for (const agents of ctx.agents) {
    // The server holds one socket per push stream, in one process.
    if (limit !== null && agents > limit - 1000) {
      const reason = `${agents.toLocaleString('en')} agents: not measured: the server process would hold ${agents.toLocaleString('en')} push sockets, past this machine's hard open-file limit of ${limit.toLocaleString('en')} (ulimit -Hn)`;
      ctx.log(`\n[${ctx.engine} · emergency reach] ${reason}`);
      out.push({ measured: false, reason });
      continue;
    }
    try {
      out.push(await emergencyOnce(ctx, agents));
    } catch (error) {
      const reason = `${agents} agents: failed: ${(error as Error).message}`;
      ctx.log(`  emergency reach ${reason}`);
      out.push({ measured: false, reason });
    }
  }
  return out;
}

async function emergencyOnce(ctx: ScenarioContext, agents: number): Promise<EmergencyReach> {
  ctx.log(`\n[${ctx.engine} · emergency reach · ${agents.toLocaleString('en')} agents on push]`);
  return withServer(ctx, ['--checkin-interval', '300'], async (server, api, dataDir) => {
    await importBenchUpdate(api, dataDir, 'BENCH-EMERGENCY');
    await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
    const enrollment = await api.createEnrollment({ expiresInSeconds: 86_400 });
    const procCount = Math.ceil(agents / SIM_PUSH_PER_PROCESS);
    const sims = await Promise.all(
      Array.from({ length: procCount }, () => SimProcess.fork(ctx.simWorker)),
    );
    try {
      if (ctx.priority !== null)
        ctx.setPriority(
          sims.map((s) => s.pid),
          ctx.priority,
        );
      const t0 = Date.now();
      await Promise.all(
        sims.map((sim, i) =>
          sim.start({
            serverUrl: server.origin,
            enrollmentToken: enrollment.token ?? '',
            agents: Math.floor(agents / procCount) + (i < agents % procCount ? 1 : 0),
            seed: 100 + i,
            faults: '',
            installSeconds: 1,
            timeScale: 1,
            horizonSeconds: 86_400,
            // Enrolment is the slow part: spread it so the server is not swamped.
            rampSeconds: Math.max(2, Math.ceil(agents / 800 / procCount)),
            concurrency: 256,
            connections: 32,
            hostnamePrefix: `em${i}`,
            push: true,
          }),
        ),
      );
      // Bounded: at 90% connected the figures are still worth having; below, fail.
      await waitFor(
        `${agents} agents on the push channel`,
        async () => (await healthz(server.origin)).pushConnected >= agents,
        ctx.quick ? 30_000 : 240_000,
        250,
      ).catch(() => undefined);
      const connected = (await healthz(server.origin)).pushConnected;
      if (connected < agents * 0.9) {
        const stats = await Promise.all(sims.map((s) => s.stats()));
        throw new Error(
          `only ${connected} of ${agents} on the push channel in time (${stats.map((s) => s.lastError ?? '').join(' / ')})`,
        );
      }
      const connectSeconds = Math.round((Date.now() - t0) / 100) / 10;
      ctx.log(`  ${connected} agents on the push channel after ${connectSeconds} s`);
      await sleep(ctx.quick ? 500 : 3000);
      await Promise.all(sims.map((s) => s.reset()));
      const online = (await healthz(server.origin)).pushConnected;
      const need = Math.ceil(0.95 * online);
      const pollMs = 200;
      const createdAt = Date.now();
      const created = await api.createDeployment({
        update: 'BENCH-EMERGENCY',
        group: 'everyone',
        plan: { phases: [{ name: 'all', percent: 100 }], emergency: { reason: 'bench' } },
      });
      let serverStarted: number | null = null;
      let serverInstalled: number | null = null;
      const deadline = createdAt + (ctx.quick ? 20_000 : 90_000);
      while (Date.now() < deadline) {
        const view = await api.getDeployment(created.id);
        const now = Date.now();
        if (view) {
          const out = view.total - (view.counts.pending ?? 0);
          if (serverStarted === null && out >= need) serverStarted = (now - createdAt) / 1000;
          if (serverInstalled === null && (view.counts.installed ?? 0) >= need)
            serverInstalled = (now - createdAt) / 1000;
        }
        if (serverInstalled !== null) break;
        await sleep(pollMs);
      }
      const pushes = await Promise.all(sims.map((s) => s.push()));
      const started = pushes.flatMap((p) => p.startedAt);
      const installed = pushes.flatMap((p) => p.installedAt);
      const result: EmergencyReach = {
        measured: true,
        agents,
        onlineAgents: online,
        simProcesses: procCount,
        connectSeconds,
        secondsTo95Started: reachSeconds(started, online, createdAt),
        secondsTo95Installed: reachSeconds(installed, online, createdAt),
        server: {
          secondsTo95Started: serverStarted === null ? null : Math.round(serverStarted * 10) / 10,
          secondsTo95Installed:
            serverInstalled === null ? null : Math.round(serverInstalled * 10) / 10,
          pollMs,
        },
      };
      ctx.log(
        `  95% of ${online} started in ${result.secondsTo95Started} s, installed in ${result.secondsTo95Installed} s (server counts: ${result.server.secondsTo95Started} s / ${result.server.secondsTo95Installed} s)`,
      );
      return result;
    } finally {
      await Promise.all(sims.map((s) => s.stop()));
    }
  });
}
