import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitFor } from './wait.js';

export type BenchServer = {
  origin: string;
  port: number;
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Waits until the server process answers /healthz; fails with its output if it dies or hangs. */
export async function waitForHealth(
  child: ChildProcess,
  origin: string,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  let exited = false;
  try {
    await waitFor(
      `${origin}/healthz`,
      async () => {
        if (child.exitCode !== null) exited = true;
        if (exited) return 'exited';
        return (await fetch(`${origin}/healthz`)).ok;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`server did not answer /healthz: ${(error as Error).message}\n${output()}`);
  }
  if (exited) throw new Error(`server exited early:\n${output()}`);
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `ringmaster server` (the built CLI) as its own process on loopback, its output
 * going to a file so that logging never blocks on a pipe, and waits for /healthz.
 */
export async function startServer(options: {
  cliEntry: string;
  dataDir: string;
  databaseUrl?: string;
  adminToken: string;
  /** Write a V8 CPU profile of the server into this directory when it stops. */
  cpuProfileDir?: string;
  /** More `ringmaster server` flags (e.g. --checkin-interval, --time-scale). */
  extraArgs?: string[];
  /** Listen on this port (a restart after a crash keeps its address); default a free one. */
  port?: number;
  /** Run the server on these CPUs only (`taskset -c`, e.g. "0"); default any. */
  cpus?: string;
}): Promise<BenchServer> {
  const port = options.port ?? (await freePort());
  const logFile = path.join(options.dataDir, 'server.log');
  const out = openSync(logFile, 'a');
  const nodeArgs = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
    : [];
  const args = [
    ...nodeArgs,
    options.cliEntry,
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data',
    options.dataDir,
    ...(options.databaseUrl ? ['--database', options.databaseUrl] : []),
    ...(options.extraArgs ?? []),
  ];
  // taskset execs the server in place, so the child's pid is the server's.
  const [command, commandArgs] = options.cpus
    ? ['taskset', ['-c', options.cpus, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, RINGMASTER_ADMIN_TOKEN: options.adminToken },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHealth(child, origin, 60_000, () => readFileSync(logFile, 'utf8'));
  return {
    origin,
    port,
    pid: child.pid!,
    child,
    logFile,
    stop: () => stopChild(child, 15_000),
  };
}

/** A field of /proc/<pid>/status in bytes (VmHWM = peak RSS, VmRSS = current RSS). */
export function procMemory(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Time a process's main thread (a Node process's event loop) has waited on a run queue
 * for a CPU, in ms, from /proc/<pid>/schedstat: what other work on the machine took.
 */
export function procRunQueueWaitMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    const waited = Number(fields[1]);
    return Number.isFinite(waited) ? waited / 1e6 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** CPU time all processes on the machine used so far, in ms, from /proc/stat. */
export function machineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return ((total - idle) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU time used so far by all PostgreSQL server processes on this machine, in ms (the
 * database's share of the work when the server runs on PostgreSQL). Null when none.
 */
export function postgresCpuMs(): number | null {
  let total = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const ms = procCpuMs(Number(entry));
      if (ms !== null) {
        total += ms;
        found = true;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return found ? total : null;
}
