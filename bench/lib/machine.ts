/** The shared machine the benchmark runs on: its log, its load, priorities, interrupts. */
import os from 'node:os';
import { machineBusyMs } from './server-process.js';

export const log = (line: string): void => void process.stdout.write(line + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function raisePriority(pids: number[], nice: number): void {
  for (const pid of pids) {
    try {
      os.setPriority(pid, nice);
    } catch (error) {
      log(`  (could not set priority ${nice} on ${pid}: ${(error as Error).message})`);
    }
  }
}

/**
 * This machine is shared: other processes may be using the 2 cores. Before a measurement,
 * wait (bounded) until the whole machine is nearly idle (< 0.3 core busy over 0.5 s, our
 * idle server included); returns the busy cores last seen.
 */
export async function settle(maxWaitMs: number): Promise<number | null> {
  const deadline = performance.now() + maxWaitMs;
  let busy: number | null = null;
  for (;;) {
    const b0 = machineBusyMs();
    await sleep(500);
    const b1 = machineBusyMs();
    if (b0 === null || b1 === null) return null;
    busy = Math.round(((b1 - b0) / 500) * 100) / 100;
    if (busy < 0.3 || performance.now() > deadline) return busy;
  }
}

let onSignal: (() => void) | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    onSignal?.();
    process.exit(130);
  });
}

/** What to clean up (kill the server, remove its data) if the benchmark is interrupted. */
export function onInterrupt(cleanup: (() => void) | null): void {
  onSignal = cleanup;
}
