import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const launcher = path.resolve(import.meta.dirname, '../packaging/deb/ringmaster');

/**
 * The agent's launcher (packaging/deb/ringmaster, a shell script) with a stand-in `node`
 * on PATH that prints the bundle it was given and exits with $NODE_EXIT: which version
 * runs, how starts of a version on trial are counted, when it is given up.
 */
describe('the agent launcher', () => {
  let work: string;
  let state: string;
  let agentDir: string;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'rm-launcher-'));
    state = path.join(work, 'state');
    agentDir = path.join(state, 'agent');
    mkdirSync(path.join(work, 'bin'));
    writeFileSync(
      path.join(work, 'bin', 'node'),
      '#!/bin/sh\necho "ran $1 launcher=$RINGMASTER_LAUNCHER"\nexit "${NODE_EXIT:-0}"\n',
    );
    chmodSync(path.join(work, 'bin', 'node'), 0o755);
    for (const v of ['0.1.5', '0.2.0']) {
      mkdirSync(path.join(agentDir, 'versions', v, 'dist'), { recursive: true });
      writeFileSync(path.join(agentDir, 'versions', v, 'dist', 'agent.mjs'), '// bundle\n');
    }
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const launch = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync('sh', [launcher, ...args], {
      encoding: 'utf8',
      env: { PATH: `${path.join(work, 'bin')}:/usr/bin:/bin`, RINGMASTER_STATE_DIR: state, ...env },
    });
    return { code: r.status, ran: r.stdout.trim().split('\n').map(shorten) };
  };
  const shorten = (line: string) =>
    line
      .replace(`${agentDir}/versions/`, 'kept:')
      .replace(/\S*\/lib\/ringmaster\/dist\//, 'packaged:');
  const put = (name: string, text: string) => writeFileSync(path.join(agentDir, name), text);
  const starts = () =>
    readFileSync(path.join(agentDir, 'starts'), 'utf8').split('\n').filter(Boolean).length;

  it('runs the packaged bundle until a kept version is current, and a valid one only', () => {
    expect(launch(['agent', 'status']).ran).toEqual(['ran packaged:agent.mjs launcher=1']);
    put('current', '0.2.0\n');
    expect(launch(['agent', 'status']).ran).toEqual(['ran kept:0.2.0/dist/agent.mjs launcher=1']);
    for (const bad of ['0.9.9', '../../x', '']) {
      put('current', `${bad}\n`);
      expect(launch(['--version']).ran).toEqual(['ran packaged:agent.mjs launcher=1']);
    }
  });

  it('under systemd counts each start of a version on trial and gives it up after 3', () => {
    put('current', '0.2.0\n');
    put('previous', '0.1.5\n');
    put('trial', '{}');
    const systemd = { INVOCATION_ID: 'x', NODE_EXIT: '1' };
    for (let n = 1; n <= 3; n++) {
      expect(launch(['agent', '--json'], systemd)).toEqual({
        code: 1,
        ran: ['ran kept:0.2.0/dist/agent.mjs launcher=1'],
      });
      expect(starts()).toBe(n);
    }
    // A local command is no start of the agent.
    launch(['agent', 'status'], systemd);
    expect(starts()).toBe(3);
    expect(launch(['agent'], systemd).ran).toEqual(['ran kept:0.1.5/dist/agent.mjs launcher=1']);
    expect(starts()).toBe(3);
    put('previous', '\n');
    expect(launch(['agent'], systemd).ran).toEqual(['ran packaged:agent.mjs launcher=1']);
  });

  it('elsewhere starts a failing version on trial again itself, then the previous one', () => {
    put('current', '0.2.0\n');
    put('previous', '0.1.5\n');
    put('trial', '{}');
    expect(launch(['agent'], { NODE_EXIT: '1' })).toEqual({
      // The previous one fails too, but it is no trial: the launcher stops there.
      code: 1,
      ran: [
        'ran kept:0.2.0/dist/agent.mjs launcher=1',
        'ran kept:0.2.0/dist/agent.mjs launcher=1',
        'ran kept:0.2.0/dist/agent.mjs launcher=1',
        'ran kept:0.1.5/dist/agent.mjs launcher=1',
      ],
    });
  });

  it('passes an ordinary exit on, without a trial', () => {
    put('current', '0.2.0\n');
    expect(launch(['agent'], { NODE_EXIT: '1' })).toEqual({
      code: 1,
      ran: ['ran kept:0.2.0/dist/agent.mjs launcher=1'],
    });
  });
});
