import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OUTPUT_TAIL_BYTES, type CommandResult, type CommandSpec } from '../core/host.js';

export interface RunOptions {
  /** After a timeout: how long the process group has after SIGTERM before SIGKILL. */
  killGraceMs?: number;
  /** The environment the command's own variables are added to. */
  baseEnv?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Learns the process id once the command runs. */
  onStarted?: (pid: number) => void;
}

/** How long to wait for output pipes held open by a leftover background child. */
const PIPE_GRACE_MS = 2000;

/**
 * Runs a command through the platform shell (`sh -c` on POSIX, `cmd.exe /d /s /c` on
 * Windows) in its own process group, so that on timeout the whole group, children
 * included, is killed. Keeps the last 4 KiB of combined stdout and stderr.
 */
export function runShellCommand(
  spec: CommandSpec,
  options: RunOptions = {},
): Promise<CommandResult> {
  const platform = options.platform ?? process.platform;
  const windows = platform === 'win32';
  const env = { ...(options.baseEnv ?? process.env), ...spec.env };
  const child = windows
    ? spawn('cmd.exe', ['/d', '/s', '/c', `"${spec.command}"`], {
        cwd: spec.cwd,
        env,
        windowsVerbatimArguments: true,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn('sh', ['-c', spec.command], {
        cwd: spec.cwd,
        env,
        detached: true, // its own process group, killed as one
        stdio: ['ignore', 'pipe', 'pipe'],
      });

  if (child.pid !== undefined) options.onStarted?.(child.pid);
  const tail = new OutputTail(OUTPUT_TAIL_BYTES);
  child.stdout.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));

  return new Promise<CommandResult>((resolve, reject) => {
    let timedOut = false;
    let exitCode: number | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolve({ exitCode: timedOut ? null : exitCode, timedOut, output: tail.text() });
    };

    const deadline = setTimeout(() => {
      timedOut = true;
      killTree(child.pid, 'SIGTERM', windows);
      timers.push(
        setTimeout(() => killTree(child.pid, 'SIGKILL', windows), options.killGraceMs ?? 5000),
      );
    }, spec.timeoutSeconds * 1000);
    timers.push(deadline);

    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      reject(error);
    });
    child.once('exit', (code) => {
      exitCode = code;
      clearTimeout(deadline);
      // A background child may still hold the pipes; do not wait on it for ever.
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, PIPE_GRACE_MS);
      grace.unref();
      timers.push(grace);
    });
    child.once('close', finish);
  });
}

function killTree(pid: number | undefined, signal: NodeJS.Signals, windows: boolean): void {
  if (pid === undefined) return;
  try {
    if (windows) {
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    } else {
      process.kill(-pid, signal);
    }
  } catch {
    // Already gone.
  }
}

/** A bounded buffer holding the last `limit` bytes written to it. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const bytes = all.length > this.limit ? all.subarray(all.length - this.limit) : all;
    // A cut may land inside a multi-byte character; drop its leftover bytes.
    return bytes.toString('utf8').replace(/^\uFFFD+/, '');
  }
}

/** The process runs (and is not a zombie waiting for its parent to reap it). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
