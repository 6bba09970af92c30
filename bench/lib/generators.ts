/**
 * The benchmark's load generators behind one interface: wrk (C, the default when it is
 * installed) or the forked Node processes (undici; the fallback). On this 2-core machine
 * the Node processes saturate first (about 2,000 GET /healthz per second where wrk
 * drives the same server to about 11,000), so their figures are bounds of the generator
 * more than of the server; each run records the generator's CPU to show which.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'undici';
import { learnAnswerTags } from './idle-tags.js';
import { idleCheckinBody, type LoadTarget } from './protocol.js';
import type { LoadFleet, StepReport } from './load-fleet.js';
import type { Engine } from './options.js';
import { machineBusyMs, postgresCpuMs, procCpuMs, type BenchServer } from './server-process.js';
import type { Lateness } from './wrk-output.js';
import { wrkStep } from './wrk-output.js';
import { checkinRequests } from './wrk-requests.js';
import { runWrk } from './wrk.js';

export type Load = {
  target: LoadTarget;
  mode: 'open' | 'closed';
  /** Open loop: requests/s in all. */
  rate: number;
  /** Closed loop: requests in flight in all. */
  concurrency: number;
  durationMs: number;
};

export type Measured = {
  report: StepReport;
  /** wrk's open loop: how late its sends left their slots. */
  lateness: Lateness | null;
  serverCpuCores: number | null;
  /** PostgreSQL's processes (all of them on this machine), when the engine is PostgreSQL. */
  databaseCpuCores: number | null;
  /** CPU used by other processes on the machine meanwhile (noise). */
  otherCpuCores: number | null;
};

/** The server under load and what it serves. */
export type Target = {
  server: BenchServer;
  engine: Engine;
  computers: number;
  /** A scratch directory of this server's (removed after it). */
  dataDir: string;
};

export interface Generator {
  readonly kind: 'wrk' | 'node';
  /** What the output says about it, e.g. "wrk 4.1.0, 1 thread on CPU 1". */
  readonly description: string;
  /** The cores it can use at most (wrk threads, Node processes; 1 pinned). */
  readonly cores: number;
  /** Before the first run against a new server. */
  attach(target: Target): void;
  run(load: Load): Promise<Measured>;
  stop(): Promise<void>;
}

/** Generator CPU at or above this share of its cores: its figures are its own limit. */
export const SATURATION_SHARE = 0.9;

/**
 * Why the generator may have limited the figures, or null: it used ≥ 90% of its cores,
 * or (on a shared machine, where it may be starved rather than saturated) it spent at
 * least half as much CPU per `/healthz` as the server did, taking that much of the
 * cores the server needed.
 */
export function generatorLimit(
  cores: number,
  maxCpuCores: number,
  healthzMs: { generator: number | null; server: number | null },
): string | null {
  if (maxCpuCores >= SATURATION_SHARE * cores)
    return `it used ${maxCpuCores} of its ${cores} core(s)`;
  const { generator, server } = healthzMs;
  if (generator !== null && server !== null && server > 0 && generator >= 0.5 * server)
    return `it spent ${generator} ms of CPU per /healthz against the server's ${server} ms`;
  return null;
}

/**
 * Open loop: enough connections that every request may take 100 ms (the p99 limit)
 * without waiting for a free one; a wait would still be counted (lateness).
 */
export function openLoopConnections(rate: number): number {
  return Math.min(1000, Math.max(16, Math.ceil(rate * 0.1)));
}

export class WrkGenerator implements Generator {
  readonly kind = 'wrk';
  private target: Target | null = null;
  private requestsFile = '';
  private runs = 0;

  constructor(
    private readonly version: string,
    private readonly threads: number,
    private readonly script: string,
    private readonly priority: number | null,
    private readonly cpus?: string,
  ) {}

  get description(): string {
    const t = `${this.threads} thread${this.threads === 1 ? '' : 's'}`;
    return `${this.version}, ${t}${this.cpus ? ` on CPU ${this.cpus}` : ''}`;
  }

  get cores(): number {
    return this.cpus ? 1 : this.threads;
  }

  attach(target: Target): void {
    this.target = target;
    this.requestsFile = '';
  }

  /**
   * The check-ins wrk sends, written before its first check-in run (the warm-up pays for
   * it): every computer checks in once with its whole inventory, as an agent does the
   * first time, and wrk then sends what an idle agent sends (the inventory's hash, the
   * tag of the answer it holds, its last scan), as the Node load processes do.
   */
  private async requestsFor(target: Target): Promise<string> {
    if (this.requestsFile !== '') return this.requestsFile;
    const pool = new Pool(target.server.origin, { connections: 32 });
    try {
      const tags = await learnAnswerTags(pool, target.computers);
      const scannedAt = new Date().toISOString();
      const file = path.join(target.dataDir, 'wrk-requests.bin');
      writeFileSync(
        file,
        checkinRequests(target.computers, `127.0.0.1:${target.server.port}`, (i) =>
          idleCheckinBody(i, tags[i] ?? '', scannedAt),
        ),
      );
      this.requestsFile = file;
      return file;
    } finally {
      await pool.close();
    }
  }

  async run(load: Load): Promise<Measured> {
    if (!this.target) throw new Error('wrk: no server attached');
    const { server, engine } = this.target;
    const requestsFile = load.target === 'checkin' ? await this.requestsFor(this.target) : '';
    const seed = ++this.runs * 104_729;
    const open = load.mode === 'open';
    const run = await runWrk(
      {
        origin: server.origin,
        path: load.target === 'healthz' ? '/healthz' : '/',
        threads: this.threads,
        connections: open ? openLoopConnections(load.rate) : load.concurrency,
        durationSeconds: load.durationMs / 1000,
        // /healthz: wrk's own static GET, the cheapest request it can make.
        script:
          load.target === 'healthz'
            ? undefined
            : {
                file: this.script,
                args: [
                  requestsFile,
                  String(seed),
                  ...(open ? [String(load.rate / this.threads)] : []),
                ],
              },
        cpus: this.cpus,
      },
      { serverPid: server.pid, postgres: engine === 'postgres', priority: this.priority },
    );
    const { lateness, ...report } = wrkStep(
      run.report,
      open ? load.rate : 0,
      run.generatorCpuCores ?? 0,
    );
    return {
      report,
      lateness,
      serverCpuCores: run.serverCpuCores,
      databaseCpuCores: run.databaseCpuCores,
      otherCpuCores: run.otherCpuCores,
    };
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/** The forked Node load processes (bench/load-worker.ts), as before wrk. */
export class NodeGenerator implements Generator {
  readonly kind = 'node';
  private target: Target | null = null;

  constructor(
    private readonly fleet: LoadFleet,
    private readonly options: { connectionsPerProcess: number; drainMs: number },
    private readonly cpus?: string,
  ) {
    // -a: every thread of each load process.
    if (cpus)
      for (const pid of fleet.pids)
        execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
  }

  get description(): string {
    return `Node load processes (undici) ×${this.fleet.size}${this.cpus ? ` on CPU ${this.cpus}` : ''}`;
  }

  get cores(): number {
    return this.cpus ? 1 : this.fleet.size;
  }

  attach(target: Target): void {
    this.target = target;
  }

  async run(load: Load): Promise<Measured> {
    if (!this.target) throw new Error('load processes: no server attached');
    const { server, computers } = this.target;
    const postgres = this.target.engine === 'postgres';
    const cpu0 = procCpuMs(server.pid);
    const pg0 = postgres ? postgresCpuMs() : null;
    const busy0 = machineBusyMs();
    const report = await this.fleet.step({
      ...load,
      origin: server.origin,
      computers,
      connections: this.options.connectionsPerProcess,
      drainMs: this.options.drainMs,
      maxInFlight: 2000,
    });
    const cpu1 = procCpuMs(server.pid);
    const pg1 = postgres ? postgresCpuMs() : null;
    const busy1 = machineBusyMs();
    const cores = (ms: number): number => Math.round((ms / report.durationMs) * 100) / 100;
    const none = { report, lateness: null };
    if (cpu0 === null || cpu1 === null || busy0 === null || busy1 === null)
      return { ...none, serverCpuCores: null, databaseCpuCores: null, otherCpuCores: null };
    const db = pg0 === null || pg1 === null ? 0 : pg1 - pg0;
    // Everything else on the machine: other processes compete with the server for 2 cores.
    const other = busy1 - busy0 - (cpu1 - cpu0) - db;
    return {
      ...none,
      serverCpuCores: cores(cpu1 - cpu0),
      // Approximate: a backend that exits meanwhile takes its CPU time out of the sum.
      databaseCpuCores: pg0 === null ? null : Math.max(0, cores(db)),
      otherCpuCores: Math.max(0, cores(other - report.loadCpuCores * report.durationMs)),
    };
  }

  stop(): Promise<void> {
    return this.fleet.stop();
  }
}
