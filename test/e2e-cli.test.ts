import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliEntry, runCli } from './support/processes.js';

/** The built CLI as a shell runs it: in a pipeline, and its help. */
describe('the ringmaster command', () => {
  it('stops quietly when the reader of its output goes away (`| head -1`)', async () => {
    const child = spawn(process.execPath, [cliEntry, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader is gone before the first write, as `head -1` is after its line.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('lists every command in its help, and gives a subcommand its full help', async () => {
    const all = await runCli(['--help']);
    expect(all.code).toBe(0);
    for (const name of ['update', 'enrollment', 'computer', 'group', 'deployment'])
      expect(all.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    for (const name of ['server', 'agent', 'sim', 'demo'])
      expect(all.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));

    const one = await runCli(['deployment', 'list', '--help']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Usage: ringmaster deployment list');
    expect(one.stdout).toContain('--json');
  });
});
