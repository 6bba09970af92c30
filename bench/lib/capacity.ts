/**
 * Check-in capacity at one fleet size: a seeded database, the server in its own
 * process, the healthz ceiling, the closed-loop maximum, then an open-loop ladder of
 * rates until latency or errors break the criteria (stats.ts); with its costs. Every
 * measurement runs `--repeats` times and keeps the median (repeats.ts), with its spread.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase } from './database.js';
import { seedComputers } from './fleet.js';
import { generatorLimit, type Generator, type Load, type Measured } from './generators.js';
import type { StepReport } from './load-fleet.js';
import { log, onInterrupt, raisePriority, settle } from './machine.js';
import type { Engine, Options } from './options.js';
import { summarizeProfile } from './profile.js';
import { combineSteps, median, spread, type Spread } from './repeats.js';
import { procMemory, startServer, type BenchServer } from './server-process.js';
import { defaultCriteria, nextRate, selectCapacity, stepVerdict } from './stats.js';
import { measureWireCost, type WireCost } from './wire.js';

type StepRow = Omit<StepReport, 'latency' | 'scheduled'> & {
  p50Ms: number | null;
  /** With wrk: an upper bound on the p99 from the slot (wrk-output.ts, wrkStep). */
  p99Ms: number | null;
  maxMs: number | null;
  requests: number;
  serverCpuCores: number | null;
  databaseCpuCores: number | null;
  /** CPU used by other processes on the machine meanwhile (noise). */
  otherCpuCores: number | null;
  /** The whole machine's busy cores just before the step (other processes; see settle). */
  machineBusyCoresBefore: number | null;
  /** wrk's open loop: ms its sends left after their slots (p99.5 and max over the repeats). */
  lateP995Ms: number | null;
  lateMaxMs: number | null;
  repeats: number;
  achievedSpread: Spread | null;
  p99Spread: Spread | null;
  verdict: string;
};

/** A closed-loop measurement's rate, latency and where the CPU went (medians of the repeats). */
export type ClosedLoopRun = {
  ratePerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  serverCpuCores: number | null;
  databaseCpuCores: number | null;
  otherCpuCores: number | null;
  /** The load generator's CPU, the largest of the repeats. */
  generatorCpuCores: number;
  /** Server CPU time per request: the figure least disturbed by other processes. */
  serverCpuMsPerRequest: number | null;
  /** The generator's CPU time per request: far below the server's, it is not the limit. */
  generatorCpuMsPerRequest: number | null;
  repeats: number;
  rateSpread: Spread | null;
};

export type SizeResult = {
  computers: number;
  seedSeconds: number;
  /** What drove the load, and whether it ever came near its own limit. */
  generator: {
    kind: 'wrk' | 'node';
    description: string;
    cores: number;
    pinned: boolean;
    /** The largest CPU it used in any measurement, in cores. */
    maxCpuCores: number;
    /** Why it may have limited these figures (generators.ts, generatorLimit), or null. */
    limit: string | null;
  };
  checkinCapacity: {
    ratePerSecond: number;
    achievedRatePerSecond: number;
    p50Ms: number | null;
    p99Ms: number | null;
  } | null;
  /** GET /healthz, closed loop, same server, same load generator. */
  httpCeiling: ClosedLoopRun;
  /** Check-ins, closed loop, no latency limit: the raw maximum. */
  checkinClosedLoopMax: ClosedLoopRun;
  /** checkinCapacity / httpCeiling. */
  capacityToCeilingRatio: number | null;
  /** Server CPU per check-in ÷ per GET /healthz (both closed loop). */
  checkinToHealthzCpuRatio: number | null;
  steps: StepRow[];
  cost: {
    serverPeakRssBytes: number | null;
    databaseBytesAfterSeed: number;
    databaseBytes: number;
    databaseDetail: string;
    databaseBytesPer1000Computers: number;
    wire: WireCost;
  };
  profile?: {
    file: string;
    frames: { frame: string; selfPercent: number }[];
    modules: { module: string; selfPercent: number }[];
  };
};

/** One measurement `repeats` times: the median of each figure, and the spreads. */
type Repeated = Measured & {
  repeats: number;
  achievedSpread: Spread | null;
  p99Spread: Spread | null;
};

const round2 = (x: number): number => Math.round(x * 100) / 100;
const medianOf = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : round2(median(known));
};

async function repeated(generator: Generator, load: Load, repeats: number): Promise<Repeated> {
  const runs: Measured[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await generator.run(load));
  const late = runs.map((r) => r.lateness).filter((l) => l !== null);
  return {
    report: combineSteps(runs.map((r) => r.report)),
    lateness:
      late.length === 0
        ? null
        : {
            sends: Math.round(median(late.map((l) => l.sends))),
            p50Ms: median(late.map((l) => l.p50Ms)),
            p99Ms: median(late.map((l) => l.p99Ms)),
            p995Ms: median(late.map((l) => l.p995Ms)),
            maxMs: Math.max(...late.map((l) => l.maxMs)),
          },
    serverCpuCores: medianOf(runs.map((r) => r.serverCpuCores)),
    databaseCpuCores: medianOf(runs.map((r) => r.databaseCpuCores)),
    otherCpuCores: medianOf(runs.map((r) => r.otherCpuCores)),
    repeats,
    achievedSpread: spread(runs.map((r) => Math.round(r.report.achievedRate))),
    p99Spread: spread(
      runs.map((r) => r.report.latency.p99Ms).filter((v): v is number => v !== null),
    ),
  };
}

const spreadText = (s: Spread | null, unit = ''): string =>
  s === null || s.min === s.max ? '' : ` [${s.min}–${s.max}${unit}, ${s.percent}%]`;

const perRequest = (cores: number | null, rate: number): number | null =>
  cores === null || rate === 0 ? null : Math.round((cores * 1000 * 1000) / rate) / 1000;

function closedLoopRun(m: Repeated): ClosedLoopRun {
  const rate = m.report.achievedRate;
  return {
    ratePerSecond: Math.round(rate),
    p50Ms: m.report.latency.p50Ms,
    p99Ms: m.report.latency.p99Ms,
    serverCpuCores: m.serverCpuCores,
    databaseCpuCores: m.databaseCpuCores,
    otherCpuCores: m.otherCpuCores,
    generatorCpuCores: round2(m.report.loadCpuCores),
    serverCpuMsPerRequest: perRequest(m.serverCpuCores, rate),
    generatorCpuMsPerRequest: perRequest(m.report.loadCpuCores, rate),
    repeats: m.repeats,
    rateSpread: m.achievedSpread,
  };
}

export async function benchSize(
  engine: Engine,
  computers: number,
  opts: Options,
  generator: Generator,
  where: { root: string; cliEntry: string },
): Promise<SizeResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ringmaster-bench-${engine}-`));
  const db = await freshDatabase(engine, opts, dataDir);
  const profileDir = opts.profile ? path.join(dataDir, 'profile') : undefined;
  let server: BenchServer | null = null;
  try {
    log(`\n[${engine} · ${computers.toLocaleString('en')} computers] seeding…`);
    const seedMs = await seedComputers(db.url, computers);
    const afterSeed = await db.sizeBytes();
    log(`  seeded in ${(seedMs / 1000).toFixed(1)} s (${afterSeed.detail} bytes); starting server`);
    const started = await startServer({
      cliEntry: where.cliEntry,
      dataDir,
      databaseUrl: engine === 'postgres' ? db.url : undefined,
      adminToken: `bench-admin-${randomBytes(8).toString('hex')}`,
      cpuProfileDir: profileDir,
      cpus: opts.pin ? '0' : undefined,
    });
    server = started;
    onInterrupt(() => {
      started.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });
    if (opts.priority !== null) raisePriority([started.pid], opts.priority);
    generator.attach({ server, engine, computers, dataDir });
    log(
      `  load generator: ${generator.description}${opts.pin ? '; server on CPU 0' : ''}; each measurement ${opts.repeats}× (median kept, [min–max, spread])`,
    );

    const durationMs = opts.stepSeconds * 1000;
    // Warm-up: JIT, statement caches, page cache.
    await generator.run({
      target: 'checkin',
      mode: 'open',
      rate: 500,
      concurrency: 1,
      durationMs: opts.quick ? 1000 : 3000,
    });

    const closed = {
      mode: 'closed' as const,
      rate: 0,
      concurrency: opts.loadProcesses * 32,
      durationMs,
    };
    const settleMs = opts.quick ? 1000 : 20_000;
    const cpuText = (m: Repeated): string =>
      `CPU cores: server ${m.serverCpuCores}, generator ${m.report.loadCpuCores.toFixed(2)}, db ${m.databaseCpuCores}, other ${m.otherCpuCores}${m.report.errors > 0 ? `; errors ${m.report.errors}: ${m.report.firstError}` : ''}`;
    await settle(settleMs);
    const ceiling = await repeated(generator, { ...closed, target: 'healthz' }, opts.repeats);
    log(
      `  GET /healthz closed loop: ${Math.round(ceiling.report.achievedRate)}/s${spreadText(ceiling.achievedSpread)} p99 ${ceiling.report.latency.p99Ms} ms (${cpuText(ceiling)})`,
    );
    await settle(settleMs);
    const closedCheckin = await repeated(generator, { ...closed, target: 'checkin' }, opts.repeats);
    log(
      `  check-in closed loop:     ${Math.round(closedCheckin.report.achievedRate)}/s${spreadText(closedCheckin.achievedSpread)} p99 ${closedCheckin.report.latency.p99Ms} ms (${cpuText(closedCheckin)})`,
    );

    const steps: StepRow[] = [];
    const results: StepReport[] = [];
    let generatorMaxCpu = Math.max(ceiling.report.loadCpuCores, closedCheckin.report.loadCpuCores);
    let retries = 0;
    for (let guard = 0; guard < opts.ladder.length + 2 + 2; guard++) {
      const rate = nextRate(opts.ladder, results, defaultCriteria, 0.2, opts.quick ? 0 : 1);
      if (rate === null) break;
      const busyBefore = await settle(settleMs);
      const step = await repeated(
        generator,
        { target: 'checkin', mode: 'open', rate, concurrency: 1, durationMs },
        opts.repeats,
      );
      const { report, serverCpuCores, databaseCpuCores, otherCpuCores, lateness } = step;
      generatorMaxCpu = Math.max(generatorMaxCpu, report.loadCpuCores);
      const failed = stepVerdict(report);
      // A failure while other processes took a good share of the CPU is noise: retry once
      // or twice in all (bounded); the step stays in the JSON, marked as retried.
      const disturbed = !opts.quick && failed !== null && (otherCpuCores ?? 0) > 0.3 && retries < 2;
      if (disturbed) retries++;
      else results.push(report);
      const verdict = disturbed
        ? `retried (other processes used ${otherCpuCores} cores): ${failed}`
        : (failed ?? 'ok');
      const { latency, scheduled, ...rest } = report;
      steps.push({
        ...rest,
        achievedRate: Math.round(report.achievedRate),
        loadCpuCores: round2(report.loadCpuCores),
        requests: scheduled,
        p50Ms: latency.p50Ms,
        p99Ms: latency.p99Ms,
        maxMs: latency.maxMs,
        serverCpuCores,
        databaseCpuCores,
        otherCpuCores,
        machineBusyCoresBefore: busyBefore,
        lateP995Ms: lateness?.p995Ms ?? null,
        lateMaxMs: lateness?.maxMs ?? null,
        repeats: step.repeats,
        achievedSpread: step.achievedSpread,
        p99Spread: step.p99Spread,
        verdict,
      });
      log(
        `  offered ${String(rate).padStart(5)}/s → ${String(Math.round(report.achievedRate)).padStart(5)}/s${spreadText(step.achievedSpread)}  p50 ${latency.p50Ms} ms  p99 ${latency.p99Ms} ms${spreadText(step.p99Spread, ' ms')}${lateness ? `  late p99.5 ${lateness.p995Ms} ms` : ''}  errors ${report.errors}  CPU server ${serverCpuCores} generator ${report.loadCpuCores.toFixed(2)}${databaseCpuCores === null ? '' : ` db ${databaseCpuCores}`} other ${otherCpuCores}  ${verdict}${report.firstError ? `  (${report.firstError})` : ''}`,
      );
    }
    const best = selectCapacity(results);

    const wire = await measureWireCost(server.port, computers);
    const peakRss = procMemory(server.pid, 'VmHWM');
    const size = await db.sizeBytes();
    await server.stop();
    const httpCeiling = closedLoopRun(ceiling);
    const checkinClosedLoopMax = closedLoopRun(closedCheckin);
    const perHealthz = httpCeiling.serverCpuMsPerRequest;
    const perCheckin = checkinClosedLoopMax.serverCpuMsPerRequest;
    const result: SizeResult = {
      computers,
      seedSeconds: round2(seedMs / 1000),
      generator: {
        kind: generator.kind,
        description: generator.description,
        cores: generator.cores,
        pinned: opts.pin,
        maxCpuCores: round2(generatorMaxCpu),
        limit: generatorLimit(generator.cores, round2(generatorMaxCpu), {
          generator: httpCeiling.generatorCpuMsPerRequest,
          server: perHealthz,
        }),
      },
      checkinCapacity: best && {
        ratePerSecond: best.offeredRate,
        achievedRatePerSecond: Math.round(best.achievedRate),
        p50Ms: best.latency.p50Ms,
        p99Ms: best.latency.p99Ms,
      },
      httpCeiling,
      checkinClosedLoopMax,
      capacityToCeilingRatio: best ? round2(best.offeredRate / ceiling.report.achievedRate) : null,
      checkinToHealthzCpuRatio:
        perHealthz && perCheckin ? Math.round((perCheckin / perHealthz) * 10) / 10 : null,
      steps,
      cost: {
        serverPeakRssBytes: peakRss,
        databaseBytesAfterSeed: afterSeed.total,
        databaseBytes: size.total,
        databaseDetail: size.detail,
        databaseBytesPer1000Computers: Math.round(size.total / (computers / 1000)),
        wire,
      },
    };
    log(
      `  capacity (open loop, p99 < 100 ms): ${result.checkinCapacity?.ratePerSecond ?? 'none'}/s; healthz ceiling ${httpCeiling.ratePerSecond}/s; ratio ${result.capacityToCeilingRatio ?? '–'}; server CPU ${perCheckin ?? '–'} ms per check-in vs ${perHealthz ?? '–'} ms per healthz (×${result.checkinToHealthzCpuRatio ?? '–'})`,
    );
    log(
      result.generator.limit
        ? `  ✗ the load generator may have limited these figures: ${result.generator.limit}`
        : `  ✓ the load generator is not the bottleneck: at most ${result.generator.maxCpuCores} of its ${generator.cores} core(s) (server ${ceiling.serverCpuCores} cores at the healthz ceiling)`,
    );
    log(
      `  CPU per request, generator vs server: healthz ${httpCeiling.generatorCpuMsPerRequest ?? '–'} vs ${perHealthz ?? '–'} ms; check-in ${checkinClosedLoopMax.generatorCpuMsPerRequest ?? '–'} vs ${perCheckin ?? '–'} ms`,
    );
    if ((ceiling.otherCpuCores ?? 0) > 0.5)
      log(
        `  ⚠ other processes used ${ceiling.otherCpuCores} cores during the healthz ceiling: the server was short of CPU, read these figures as this machine's at this load`,
      );
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        const kept = path.join(
          where.root,
          'dist-bench/profiles',
          `${engine}-${computers}.cpuprofile`,
        );
        mkdirSync(path.dirname(kept), { recursive: true });
        copyFileSync(path.join(profileDir, file), kept);
        const summary = summarizeProfile(kept, 20);
        result.profile = {
          file: path.relative(where.root, kept),
          frames: summary.frames,
          modules: summary.modules,
        };
        log('  server CPU profile, self time by module (share of busy time):');
        for (const m of summary.modules.slice(0, 12))
          log(`    ${String(m.selfPercent).padStart(5)}%  ${m.module}`);
        log('  top frames:');
        for (const f of summary.frames.slice(0, 15))
          log(`    ${String(f.selfPercent).padStart(5)}%  ${f.frame}`);
      }
    }
    return result;
  } finally {
    if (server) await server.stop();
    await db.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
