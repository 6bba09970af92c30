/**
 * `npm run bench [-- --quick] [--engine sqlite|postgres|both] [--sizes 10000,100000]
 *  [--generator wrk|node] [--wrk-threads N] [--repeats N] [--pin]
 *  [--load-processes N] [--step-seconds S] [--profile] [--pg-url URL]
 *  [--only capacity,emergency,compliance,startup] [--compliance-time-scale N]`
 *
 * The server runs in its own process on a freshly seeded database; wrk (or, without it,
 * forked Node load processes) drives it over loopback. Every phase is bounded in time and
 * count.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSize, type SizeResult } from './lib/capacity.js';
import { freshDatabase } from './lib/database.js';
import { measureEmergencyReach } from './lib/emergency-reach.js';
import { NodeGenerator, WrkGenerator, type Generator } from './lib/generators.js';
import { LoadFleet } from './lib/load-fleet.js';
import { log, raisePriority } from './lib/machine.js';
import { measurements, parseArgs } from './lib/options.js';
import { printTable, targets, type EngineResult } from './lib/report.js';
import { measureStartup } from './lib/startup.js';
import type { ScenarioContext } from './lib/scenario-types.js';
import { defaultCriteria } from './lib/stats.js';
import { measureTimeToCompliance } from './lib/time-to-compliance.js';
import { findWrk, hasTaskset } from './lib/wrk.js';

const here = path.dirname(fileURLToPath(import.meta.url));
function findRoot(from: string): string {
  let dir = from;
  // dist-bench/ gets a copy of package.json (see main): the root is above it.
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist-bench') {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + from);
    dir = up;
  }
  return dir;
}
const root = findRoot(here);
/** The built server; RINGMASTER_BENCH_CLI points at another build (e.g. a clean checkout). */
const cliEntry = (): string =>
  process.env.RINGMASTER_BENCH_CLI ?? path.join(root, 'dist/cli/main.js');

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/**
 * wrk when it is installed (or asked for), else the Node load processes — saying so,
 * since on this machine they saturate before the server does.
 */
async function chooseGenerator(opts: ReturnType<typeof parseArgs>): Promise<Generator> {
  const wrk = opts.generator === 'node' ? null : findWrk();
  const cpus = opts.pin ? '1' : undefined;
  if (wrk) {
    log(`load generator: ${wrk} (${opts.wrkThreads} thread(s))`);
    const script = path.join(root, 'bench/wrk/checkin.lua');
    return new WrkGenerator(wrk, opts.wrkThreads, script, opts.priority, cpus);
  }
  if (opts.generator === 'wrk') throw new Error('--generator wrk: wrk is not on the PATH');
  log(
    opts.generator === 'node'
      ? 'load generator: Node load processes (--generator node)'
      : "load generator: wrk not found, falling back to the Node load processes (undici): on a 2-core machine they saturate first (install wrk for the server's own figures)",
  );
  const fleet = await LoadFleet.start(path.join(here, 'load-worker.js'), opts.loadProcesses);
  if (opts.priority !== null) raisePriority(fleet.pids, opts.priority);
  return new NodeGenerator(
    fleet,
    { connectionsPerProcess: opts.connectionsPerProcess, drainMs: opts.quick ? 1000 : 5000 },
    cpus,
  );
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(cliEntry()))
    throw new Error(`${cliEntry()} is missing: run \`npm run build\` first`);
  // src/version.ts reads the package.json one level above the build: the simulator, built
  // into dist-bench/src by tsc -p tsconfig.bench.json, finds it there.
  const distBench = path.dirname(here);
  if (path.basename(distBench) === 'dist-bench')
    copyFileSync(path.join(root, 'package.json'), path.join(distBench, 'package.json'));
  const startedAt = new Date();
  const t0 = performance.now();
  log(
    `Ringmaster benchmark (${opts.quick ? 'quick' : 'full'}): engines ${opts.engines.join(', ')}; computers ${opts.sizes.join(', ')}; ${opts.stepSeconds} s per step, ${opts.repeats} repeats${opts.pin ? '; server on CPU 0, load on CPU 1' : ''}`,
  );
  if (opts.pin && !(hasTaskset() && os.cpus().length >= 2))
    throw new Error('--pin needs taskset (util-linux) and at least 2 CPUs');
  const generator = await chooseGenerator(opts);
  const results: EngineResult[] = [];
  // First, while the load generator is idle: whole CLI processes, median of N.
  const cliStartup = opts.only.has('startup')
    ? measureStartup(cliEntry(), opts.quick ? 5 : 15)
    : [];
  for (const t of cliStartup)
    log(
      `CLI start-up: ${t.command}: median ${t.medianMs} ms (CPU ${t.medianCpuMs} ms) of ${t.runs}`,
    );
  try {
    for (const engine of opts.engines) {
      const runs: SizeResult[] = [];
      if (opts.only.has('capacity'))
        for (const size of opts.sizes)
          runs.push(await benchSize(engine, size, opts, generator, { root, cliEntry: cliEntry() }));
      const ctx: ScenarioContext = {
        engine,
        quick: opts.quick,
        agents: opts.quick ? [1_000] : [10_000, 100_000],
        cliEntry: cliEntry(),
        simWorker: path.join(here, 'sim-worker.js'),
        freshDatabase: async (dataDir) => {
          const db = await freshDatabase(engine, opts, dataDir);
          return { url: engine === 'postgres' ? db.url : undefined, drop: db.drop };
        },
        priority: opts.priority,
        complianceTimeScale: opts.complianceTimeScale,
        setPriority: raisePriority,
        log,
      };
      const skipped = { measured: false as const, reason: 'not run (--only)' };
      results.push({
        engine,
        runs,
        emergencyReach: opts.only.has('emergency') ? await measureEmergencyReach(ctx) : [skipped],
        timeToCompliance: opts.only.has('compliance')
          ? await measureTimeToCompliance(ctx)
          : skipped,
      });
    }
  } finally {
    await generator.stop();
  }
  printTable(results);
  const meta = {
    cliStartup,
    schema: 'ringmaster-bench/1',
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    mode: opts.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - t0) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    // RINGMASTER_BENCH_COMMIT: the commit of a clean checkout benchmarked from elsewhere.
    git: process.env.RINGMASTER_BENCH_COMMIT
      ? { commit: process.env.RINGMASTER_BENCH_COMMIT, dirty: false }
      : {
          commit: git(['rev-parse', 'HEAD']),
          dirty: (git(['status', '--porcelain']) ?? '') !== '',
        },
    settings: {
      generator: { kind: generator.kind, description: generator.description },
      repeats: opts.repeats,
      pinned: opts.pin,
      loadProcesses: opts.loadProcesses,
      priority: opts.priority,
      /** The server ran under node --cpu-prof (a few % slower). */
      serverCpuProfile: opts.profile,
      connectionsPerLoadProcess: opts.connectionsPerProcess,
      stepSeconds: opts.stepSeconds,
      ladder: opts.ladder,
      criteria: defaultCriteria,
      closedLoopConcurrency: opts.loadProcesses * 32,
      /** wrk's open loop: connections for the rate (generators.ts, openLoopConnections). */
      openLoopConnections: generator.kind === 'wrk' ? 'ceil(rate × 0.1 s), 16 … 1000' : null,
      checkinBody: 'idle: unchanged inventory, no events; random computer per request',
    },
  };
  const targetList = [
    ...targets(results),
    ...cliStartup.map((t) => ({
      target: `CLI start-up ≤ 300 ms: ${t.command}`,
      value: `${t.medianMs} ms (CPU ${t.medianCpuMs} ms)`,
      met: t.medianMs <= 300,
    })),
  ];
  if (targetList.length > 0) {
    log('\nTargets (SQLite, largest fleet):');
    for (const t of targetList)
      log(`  ${t.met === null ? '·' : t.met ? '✓' : '✗'} ${t.target}: ${t.value}`);
  }
  log(`\nTotal ${meta.durationSeconds} s`);
  if (!opts.write) return;
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const date = startedAt.toISOString().slice(0, 10);
  // A partial run (--only) never stands for a whole one: its files say what it ran.
  const partial = opts.only.size < measurements.length ? `-${[...opts.only].join('-')}` : '';
  const suffix = (opts.quick ? '-quick' : '') + partial;
  for (const e of results) {
    const file = path.join(dir, `${date}-${e.engine}${suffix}.json`);
    writeFileSync(
      file,
      JSON.stringify({ ...meta, ...e, targets: e.engine === 'sqlite' ? targetList : [] }, null, 2) +
        '\n',
    );
    log(`wrote ${path.relative(root, file)}`);
  }
  const latest = path.join(dir, `latest${suffix}.json`);
  writeFileSync(
    latest,
    JSON.stringify({ ...meta, targets: targetList, engines: results }, null, 2) + '\n',
  );
  log(`wrote ${path.relative(root, latest)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
