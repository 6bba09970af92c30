import type { AssignmentContext } from './assignment-context.js';
import type { RunningInstall } from './memory.js';

/**
 * Runs an install command with a durable record that it runs: the agent process may be
 * killed while the command (in its own process group) goes on, and the next agent
 * process must not start a second one.
 */
export async function recordRunning<T>(
  ctx: AssignmentContext,
  updateId: string,
  run: (started: (pid: number) => void) => Promise<T>,
): Promise<T> {
  const entry: RunningInstall = {
    startedAt: ctx.now().toISOString(),
    bootTime: await ctx.host.bootTime(),
    pid: null,
  };
  ctx.memory.running[updateId] = entry;
  await ctx.saveMemory();
  let saving: Promise<void> = Promise.resolve();
  try {
    return await run((pid) => {
      entry.pid = pid;
      saving = ctx.saveMemory();
    });
  } finally {
    await saving;
    delete ctx.memory.running[updateId];
    await ctx.saveMemory();
  }
}

/**
 * Whether an install recorded as running still runs (same boot, its process alive).
 * When it has gone the record is dropped, and the caller decides afresh.
 */
export async function stillRunning(ctx: AssignmentContext, updateId: string): Promise<boolean> {
  const entry = ctx.memory.running[updateId];
  if (!entry) return false;
  const sameBoot = entry.bootTime === (await ctx.host.bootTime());
  if (sameBoot && entry.pid !== null && (await ctx.host.processRunning?.(entry.pid))) {
    return true;
  }
  delete ctx.memory.running[updateId];
  await ctx.saveMemory();
  return false;
}
