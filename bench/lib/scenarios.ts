/**
 * Measurements 2 (emergency reach) and 3 (time-to-compliance), with the fleet simulator
 * (src/sim) in forked processes (bench/sim-worker.ts) against the real server in its own.
 *
 * - emergency reach: a server on a fresh database with a 5-minute check-in pace; N
 *   simulated agents on the push channel (at most SIM_PUSH_PER_PROCESS per sim process);
 *   once /healthz counts them connected, an emergency deployment to all; the seconds
 *   from the POST until 95% of the online agents started a cycle / reported installed,
 *   from the simulators' own per-computer times, and from the server's counts as polled.
 * - time-to-compliance: a server and a simulator on one virtual clock (--time-scale,
 *   --clock-origin); a fleet with an online schedule (`offline=0.3:intermittent`); a
 *   phased plan (pilot 5% → broad 100%, soak, 90% gate); the virtual seconds from the
 *   creation until 95% installed (the server's installedAt of each computer), divided
 *   by the lower bound computed from the sim's truth file and the plan (compliance.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApiClient, type ApiClient } from '../../src/client/api-client.js';
import { importUpdate, prepareUpdate } from '../../src/client/update-import.js';
import {
  complianceLowerBound,
  faultsFromTruth,
  reachSeconds,
  type TruthComputer,
} from './compliance.js';
import { SimProcess } from './sim-procs.js';
import { startServer, type BenchServer } from './server-process.js';

export type NotMeasured = { measured: false; reason: string };

export type EmergencyReach = {
  measured: true;
  agents: number;
  /** Agents on the push channel (/healthz pushConnected) when the deployment was created. */
  onlineAgents: number;
  simProcesses: number;
  /** Seconds until every agent had enrolled and connected its push stream. */
  connectSeconds: number;
  /** Seconds from deployment creation until 95% of online agents started / installed (the sims' clocks). */
  secondsTo95Started: number | null;
  secondsTo95Installed: number | null;
  /** The same from the server's counts (polled every `pollMs`): 95% out of `pending`, 95% installed. */
  server: {
    secondsTo95Started: number | null;
    secondsTo95Installed: number | null;
    pollMs: number;
  };
};

export type TimeToCompliance = {
  measured: true;
  agents: number;
  faults: string;
  timeScale: number;
  clockOrigin: string;
  checkinIntervalSeconds: number;
  plan: {
    phases: { name: string; percent: number }[];
    soakSeconds: number;
    gatePercent: number;
  };
  installSeconds: number;
  /** Virtual seconds from creation until 95% of the target reported installed. */
  secondsTo95Installed: number | null;
  /** The earliest possible time to 95% given online moments, windows and gates. */
  lowerBoundSeconds: number | null;
  ratio: number | null;
  /** When each phase opened (virtual seconds after creation), and at the earliest. */
  phaseOpenedSeconds: (number | null)[];
  lowerBoundPhaseOpensSeconds: number[];
  target: number;
  installed: number;
  realSeconds: number;
};

export type ScenarioContext = {
  engine: 'sqlite' | 'postgres';
  quick: boolean;
  /** Fleet sizes for the emergency-reach measurement. */
  agents: number[];
  cliEntry: string;
  /** The forked simulator script (dist-bench/bench/sim-worker.js). */
  simWorker: string;
  /** A fresh database in dataDir: its URL for --database (undefined: SQLite in dataDir). */
  freshDatabase: (dataDir: string) => Promise<{ url?: string; drop: () => Promise<void> }>;
  priority: number | null;
  setPriority: (pids: number[], nice: number) => void;
  log: (line: string) => void;
};

/** Push streams per sim process: each is a socket, and a process may open 20,000 files. */
export const SIM_PUSH_PER_PROCESS = 17_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The open-file limit of this machine's processes (the server holds one socket per stream). */
function openFileLimit(): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
    return m ? Number(m[2]) : null;
  } catch {
    return null;
  }
}

async function withServer<T>(
  ctx: ScenarioContext,
  extraArgs: string[],
  body: (server: BenchServer, api: ApiClient, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ringmaster-bench-sim-${ctx.engine}-`));
  const db = await ctx.freshDatabase(dataDir);
  const adminToken = `rm_admin_bench-${randomBytes(8).toString('hex')}`;
  let server: BenchServer | null = null;
  try {
    server = await startServer({
      cliEntry: ctx.cliEntry,
      dataDir,
      databaseUrl: db.url,
      adminToken,
      extraArgs,
    });
    if (ctx.priority !== null) ctx.setPriority([server.pid], ctx.priority);
    const api = createApiClient({ url: server.origin, token: adminToken });
    return await body(server, api, dataDir);
  } finally {
    if (server) await server.stop();
    await db.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** An update the simulator installs from its own state: no files, detect a marker, `true`. */
async function importBenchUpdate(api: ApiClient, dataDir: string, id: string): Promise<void> {
  const dir = path.join(dataDir, 'update-' + id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'update.json'),
    JSON.stringify({
      id,
      title: `Benchmark update ${id}`,
      severity: 'critical',
      classification: 'security',
      platforms: [{ os: 'linux' }],
      files: [],
      detect: { type: 'file', path: `/nonexistent/${id}` },
      install: { command: 'true', timeoutSeconds: 60 },
    }),
  );
  await importUpdate(api, await prepareUpdate(dir));
}

async function healthz(origin: string): Promise<{ pushConnected: number; time: string }> {
  const res = await fetch(`${origin}/healthz`);
  return (await res.json()) as { pushConnected: number; time: string };
}

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
      const connectDeadline = t0 + (ctx.quick ? 30_000 : 240_000);
      let connected = 0;
      for (;;) {
        connected = (await healthz(server.origin)).pushConnected;
        if (connected >= agents) break;
        if (Date.now() > connectDeadline) {
          const stats = await Promise.all(sims.map((s) => s.stats()));
          if (connected < agents * 0.9)
            throw new Error(
              `only ${connected} of ${agents} on the push channel in time (${stats.map((s) => s.lastError ?? '').join(' / ')})`,
            );
          break;
        }
        await sleep(250);
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
        const view = (await api.listDeployments()).find((d) => d.id === created.id);
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

/** A Monday 08:00 UTC: the intermittent schedule does not depend on the date, nights would. */
const CLOCK_ORIGIN = '2026-11-30T08:00:00.000Z';

export async function measureTimeToCompliance(
  ctx: ScenarioContext,
): Promise<TimeToCompliance | NotMeasured> {
  // `horizon`: bounds the waits (enrolment within it, 95% within 1.5× it, virtual); the
  // fault schedules cover twice it (intermittent windows are shares of that).
  const s = ctx.quick
    ? { agents: 120, timeScale: 500, horizon: 1.5 * 3600, soak: 600 }
    : { agents: 600, timeScale: 150, horizon: 4 * 3600, soak: 900 };
  const faults = 'offline=0.3:intermittent';
  const checkin = 300;
  const installSeconds = 30;
  const gatePercent = 90;
  const phases = [
    { name: 'pilot', percent: 5 },
    { name: 'broad', percent: 100 },
  ];
  ctx.log(
    `\n[${ctx.engine} · time-to-compliance · ${s.agents} agents, ${faults}, ×${s.timeScale}]`,
  );
  try {
    return await withServer(
      ctx,
      [
        '--checkin-interval',
        String(checkin),
        '--time-scale',
        String(s.timeScale),
        '--clock-origin',
        CLOCK_ORIGIN,
      ],
      async (server, api, dataDir) => {
        const realStart = Date.now();
        await importBenchUpdate(api, dataDir, 'BENCH-PHASED');
        await api.createGroup({ name: 'everyone', query: 'os = "linux"' });
        const enrollment = await api.createEnrollment({ expiresInSeconds: 30 * 86_400 });
        const truthFile = path.join(dataDir, 'truth.json');
        const sim = await SimProcess.fork(ctx.simWorker);
        try {
          if (ctx.priority !== null) ctx.setPriority([sim.pid], ctx.priority);
          const startMs = await sim.start({
            serverUrl: server.origin,
            enrollmentToken: enrollment.token ?? '',
            agents: s.agents,
            seed: 7,
            faults,
            installSeconds,
            timeScale: s.timeScale,
            horizonSeconds: s.horizon * 2,
            rampSeconds: 60,
            concurrency: 256,
            connections: 32,
            truthFile,
            hostnamePrefix: 'ttc',
            push: false,
          });
          // The intermittent computers start switched off: create the deployment once
          // every computer has enrolled, so that the whole fleet is its target.
          const enrolDeadline = Date.now() + (s.horizon / s.timeScale) * 1000;
          for (;;) {
            const n = (await api.listComputers()).length;
            if (n >= s.agents) break;
            if (Date.now() > enrolDeadline)
              throw new Error(`only ${n} of ${s.agents} computers enrolled in time`);
            await sleep(250);
          }
          const created = await api.createDeployment({
            update: 'BENCH-PHASED',
            group: 'everyone',
            plan: { phases, soakSeconds: s.soak, gate: { minSuccessPercent: gatePercent } },
          });
          const createdMs = Date.parse(created.createdAt);
          const deadline = Date.now() + ((s.horizon * 1.5) / s.timeScale) * 1000;
          let detail = await api.getDeployment(created.id);
          for (;;) {
            const installed = detail.counts.installed ?? 0;
            if (installed >= Math.ceil(0.95 * detail.total) && detail.total > 0) break;
            if (Date.now() > deadline) break;
            await sleep(500);
            detail = await api.getDeployment(created.id);
          }
          const installedTimes = detail.computers
            .map((c) => (c.state === 'installed' && c.installedAt ? Date.parse(c.installedAt) : 0))
            .filter((t) => t > 0);
          const reached = reachSeconds(installedTimes, detail.total, createdMs);
          const measuredSeconds = reached === null ? null : Math.round(reached * 10) / 10;

          const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as {
            computers: TruthComputer[];
          };
          const byHost = new Map(truth.computers.map((c) => [c.hostname, c]));
          const phaseIndex = new Map(phases.map((p, i) => [p.name, i]));
          const bound = complianceLowerBound({
            computers: detail.computers.map((c) => ({
              faults: faultsFromTruth(byHost.get(c.hostname)?.faults ?? []),
              phase: phaseIndex.get(c.phase ?? '') ?? phases.length - 1,
            })),
            phases: phases.length,
            createdSeconds: (createdMs - startMs) / 1000,
            soakSeconds: s.soak,
            gatePercent,
            minInstallSeconds: installSeconds * 0.5,
            share: 0.95,
            startEpochMs: startMs,
          });
          const result: TimeToCompliance = {
            measured: true,
            agents: s.agents,
            faults,
            timeScale: s.timeScale,
            clockOrigin: CLOCK_ORIGIN,
            checkinIntervalSeconds: checkin,
            plan: { phases, soakSeconds: s.soak, gatePercent },
            installSeconds,
            secondsTo95Installed: measuredSeconds,
            lowerBoundSeconds: bound.seconds,
            ratio:
              measuredSeconds !== null && bound.seconds
                ? Math.round((measuredSeconds / bound.seconds) * 100) / 100
                : null,
            phaseOpenedSeconds: detail.phases.map((p) =>
              p.openedAt ? Math.round((Date.parse(p.openedAt) - createdMs) / 1000) : null,
            ),
            lowerBoundPhaseOpensSeconds: bound.phaseOpensSeconds.map((x) => Math.round(x)),
            target: detail.total,
            installed: detail.counts.installed ?? 0,
            realSeconds: Math.round((Date.now() - realStart) / 1000),
          };
          ctx.log(
            `  95% installed after ${measuredSeconds} virtual s; lower bound ${bound.seconds} s; ratio ${result.ratio} (phases opened at ${result.phaseOpenedSeconds.join(', ')} s; earliest ${result.lowerBoundPhaseOpensSeconds.join(', ')} s)`,
          );
          return result;
        } finally {
          await sim.stop();
        }
      },
    );
  } catch (error) {
    ctx.log(`  time-to-compliance failed: ${(error as Error).message}`);
    return { measured: false, reason: `failed: ${(error as Error).message}` };
  }
}
