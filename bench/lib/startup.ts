/**
 * CLI start-up: how long `ringmaster --version` and `ringmaster deployment list --help`
 * take as whole processes (node start, module loading, commander), the median of N
 * runs; with the median CPU time (user + system), which other processes on a shared
 * machine disturb less than the wall-clock figure.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type StartupTime = {
  command: string;
  runs: number;
  medianMs: number;
  medianCpuMs: number | null;
};

export const startupCommands: readonly string[][] = [
  ['--version'],
  ['deployment', 'list', '--help'],
];

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** CPU time of this process's waited-for children so far, in ms (cutime + cstime). */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function measureStartup(cliEntry: string, runs: number): StartupTime[] {
  return startupCommands.map((args) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cpu0 = childrenCpuMs();
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cliEntry, ...args], { stdio: 'ignore' });
      wall.push(performance.now() - t0);
      const cpu1 = childrenCpuMs();
      if (cpu0 !== null && cpu1 !== null) cpu.push(cpu1 - cpu0);
      if (r.status !== 0) throw new Error(`ringmaster ${args.join(' ')} exited ${r.status}`);
    }
    return {
      command: `ringmaster ${args.join(' ')}`,
      runs,
      medianMs: Math.round(median(wall)),
      medianCpuMs: cpu.length === runs ? Math.round(median(cpu)) : null,
    };
  });
}
