import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopChild } from '../../bench/lib/server-process.js';
import { cliEntry } from './processes.js';

export type AgentFleet = { stop(): Promise<void>; logs(): string[] };

/** Real agent processes in loop mode, each its own computer (state dir, hostname, hardware id). */
export function startAgents(options: {
  count: number;
  server: string;
  enrollmentToken: string;
  workDir: string;
  prefix: string;
  env?: NodeJS.ProcessEnv;
  /** More `ringmaster agent` flags for every agent of the fleet, e.g. `['--site', 'osaka']`. */
  args?: string[];
}): AgentFleet {
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const name = `${options.prefix}-${String(i).padStart(2, '0')}`;
    const child = spawn(
      process.execPath,
      [
        cliEntry,
        'agent',
        '--server',
        options.server,
        '--enrollment-token',
        options.enrollmentToken,
        '--state-dir',
        path.join(options.workDir, name),
        '--hostname',
        name,
        '--hardware-id',
        `hw-${name}`,
        ...(options.args ?? []),
      ],
      { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    logs[i] = '';
    child.stdout?.on('data', (d: Buffer) => (logs[i] += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs[i] += d.toString()));
    children.push(child);
  }
  return {
    logs: () => logs,
    stop: async () => {
      await Promise.all(children.map((child) => stopChild(child, 5000)));
    },
  };
}

// Kept for call sites that import it from here; the helper is test/support/wait.ts.
export { waitFor } from './wait.js';
