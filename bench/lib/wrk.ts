/**
 * wrk (a C load generator) as the benchmark's load: found on the PATH, run once per step
 * (optionally pinned with taskset), and watched from /proc so that its CPU, the server's
 * and the rest of the machine's are known over the same window: from the moment all of
 * its threads run (its script's init, which reads the requests, is over) to the last
 * sample before they stop.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { raisePriority } from './machine.js';
import { machineBusyMs, postgresCpuMs, procCpuMs } from './server-process.js';
import { parseWrkOutput, type WrkReport } from './wrk-output.js';

/** `wrk 4.1.0 …` when wrk is on the PATH, else null. */
export function findWrk(): string | null {
  // `wrk -v` prints its version, then its usage (no URL), and exits 1.
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) return null;
  const match = /^wrk (\S+)/m.exec(`${probe.stdout}${probe.stderr}`);
  return match ? `wrk ${match[1]}` : null;
}

export function hasTaskset(): boolean {
  return !spawnSync('taskset', ['-V'], { stdio: 'ignore' }).error;
}

/** CPU time (ms) and thread count of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { cpuMs: number; threads: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14, 15 (utime, stime, in USER_HZ = 100) and 20 (num_threads), from field 3 on.
    return {
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100,
      threads: Number(fields[17]),
    };
  } catch {
    return null;
  }
}

export type WrkCommand = {
  origin: string;
  path: string;
  threads: number;
  connections: number;
  durationSeconds: number;
  /** bench/wrk/checkin.lua and its arguments; none for a plain GET. */
  script?: { file: string; args: string[] };
  /** `taskset -c` CPUs for wrk (e.g. "1"); default any. */
  cpus?: string;
};

/** wrk's command line (pure). */
export function wrkArgs(c: WrkCommand): string[] {
  const wrk = [
    'wrk',
    '-t',
    String(c.threads),
    '-c',
    String(Math.max(c.threads, c.connections)),
    '-d',
    `${Math.max(1, Math.round(c.durationSeconds))}s`,
    '--latency',
    // Above the p99 limit by far: a slow answer is counted late, not dropped as a timeout.
    '--timeout',
    '5s',
    ...(c.script ? ['-s', c.script.file] : []),
    `${c.origin}${c.path}`,
    ...(c.script ? ['--', ...c.script.args] : []),
  ];
  return c.cpus ? ['taskset', '-c', c.cpus, ...wrk] : wrk;
}

export type WrkRun = {
  report: WrkReport;
  /** Cores used over the window, by wrk, the server, PostgreSQL and everything else. */
  generatorCpuCores: number | null;
  serverCpuCores: number | null;
  databaseCpuCores: number | null;
  otherCpuCores: number | null;
  windowMs: number;
};

type Sample = {
  at: number;
  wrk: number;
  server: number | null;
  database: number | null;
  busy: number | null;
};

export async function runWrk(
  command: WrkCommand,
  watch: { serverPid: number; postgres: boolean; priority: number | null },
): Promise<WrkRun> {
  const [bin, ...args] = wrkArgs(command);
  // taskset execs wrk in place: the child's pid is wrk's.
  const child = spawn(bin!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (watch.priority !== null && child.pid !== undefined)
    raisePriority([child.pid], watch.priority);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let first: Sample | null = null;
  let last: Sample | null = null;
  const sample = (): void => {
    const stat = child.pid === undefined ? null : procStat(child.pid);
    // wrk's main thread plus one per load thread: the load is running.
    if (!stat || stat.threads < command.threads + 1) return;
    const s: Sample = {
      at: performance.now(),
      wrk: stat.cpuMs,
      server: procCpuMs(watch.serverPid),
      database: watch.postgres ? postgresCpuMs() : null,
      busy: machineBusyMs(),
    };
    first ??= s;
    last = s;
  };
  const timer = setInterval(sample, 200);
  const killer = setTimeout(() => child.kill('SIGKILL'), (command.durationSeconds + 60) * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => {
    clearInterval(timer);
    clearTimeout(killer);
  });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr || stdout}`);
  const report = parseWrkOutput(stdout);
  const a = first as Sample | null;
  const b = last as Sample | null;
  const windowMs = a && b ? b.at - a.at : 0;
  const cores = (x: number | null, y: number | null): number | null =>
    x === null || y === null || windowMs < 300
      ? null
      : Math.round(((y - x) / windowMs) * 100) / 100;
  const generator = cores(a?.wrk ?? null, b?.wrk ?? null);
  const server = cores(a?.server ?? null, b?.server ?? null);
  // Approximate: a PostgreSQL backend that exits meanwhile takes its CPU time out of the sum.
  const database = watch.postgres ? cores(a?.database ?? null, b?.database ?? null) : null;
  const busy = cores(a?.busy ?? null, b?.busy ?? null);
  const other =
    busy === null || server === null || generator === null
      ? null
      : Math.max(
          0,
          Math.round((busy - server - generator - Math.max(0, database ?? 0)) * 100) / 100,
        );
  return {
    report,
    generatorCpuCores: generator,
    serverCpuCores: server,
    databaseCpuCores: database === null ? null : Math.max(0, database),
    otherCpuCores: other,
    windowMs: Math.round(windowMs),
  };
}
