import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/agents.js';
import { OutputTail, processRunning, runShellCommand } from './command-runner.js';

/** Waits until the process has gone (killed and reaped), or fails after a generous while. */
async function gone(pid: number): Promise<boolean> {
  return await waitFor(
    `process ${pid} to end`,
    () => Promise.resolve(!processRunning(pid)),
    20_000,
    50,
  );
}

describe('runShellCommand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rm-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs through sh in the cwd with the extra env and returns the exit code', async () => {
    const result = await runShellCommand({
      command: 'pwd; echo "id=$RINGMASTER_UPDATE_ID" >&2; exit 3',
      cwd: dir,
      env: { RINGMASTER_UPDATE_ID: 'u-1' },
      timeoutSeconds: 10,
    });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain(dir);
    expect(result.output).toContain('id=u-1');
  });

  it('keeps only the last 4 KiB of output', async () => {
    const result = await runShellCommand({
      command: 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done',
      cwd: dir,
      env: {},
      timeoutSeconds: 10,
    });
    expect(result.exitCode).toBe(0);
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(result.output)).toBeGreaterThan(4000);
    expect(result.output.endsWith('line 1999\n')).toBe(true);
    expect(result.output).not.toContain('line 1000\n');
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(dir, 'child.pid');
    const result = await runShellCommand(
      {
        command: `echo before; sleep 30 & echo $! > ${pidFile}; wait`,
        cwd: dir,
        env: {},
        timeoutSeconds: 1,
      },
      { killGraceMs: 500 },
    );
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.output).toContain('before');
    // The child in the background (same group) goes too; the run did not wait 30 s for it.
    const childPid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(await gone(childPid)).toBe(true);
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const result = await runShellCommand(
      {
        command: `trap "" TERM; echo $$ > ${pidFile}; sleep 30`,
        cwd: dir,
        env: {},
        timeoutSeconds: 1,
      },
      { killGraceMs: 300 },
    );
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    const shellPid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(await gone(shellPid)).toBe(true);
  });

  it('tells a running process from one that has ended', async () => {
    let pid = 0;
    const run = runShellCommand(
      { command: 'sleep 30', cwd: dir, env: {}, timeoutSeconds: 1 },
      { killGraceMs: 100, onStarted: (p) => (pid = p) },
    );
    expect(pid).toBeGreaterThan(0);
    expect(processRunning(pid)).toBe(true);
    await run;
    expect(await gone(pid)).toBe(true);
  });

  it('rejects when the command cannot start at all', async () => {
    await expect(
      runShellCommand({ command: 'true', cwd: join(dir, 'missing'), env: {}, timeoutSeconds: 5 }),
    ).rejects.toThrow();
  });
});

describe('OutputTail', () => {
  it('keeps the last bytes across chunks', () => {
    const tail = new OutputTail(8);
    tail.push(Buffer.from('abcdef'));
    tail.push(Buffer.from('ghijkl'));
    expect(tail.text()).toBe('efghijkl');
  });
});
