import { beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../contracts/inventory.js';
import { FakeHost, FakeServer, fakeCore, makeAssignment, sha } from '../agent-core.test-support.js';
import type { AgentTrial } from './agent-trial.js';
import type { CycleEvent } from './cycle.js';
import type { AgentVersions } from './host.js';

/** The launcher's pointers in memory: what the core asked of them. */
class MemoryVersions implements AgentVersions {
  current: string | null = null;
  previous: string | null = null;
  trial: AgentTrial | null = null;
  startCount = 0;
  staged: string[] = [];
  unable(): string | null {
    return null;
  }
  stage(version: string): Promise<string | null> {
    this.staged.push(version);
    return Promise.resolve(null);
  }
  loadTrial(): Promise<AgentTrial | null> {
    return Promise.resolve(this.trial);
  }
  starts(): Promise<number> {
    return Promise.resolve(this.startCount);
  }
  beginTrial(trial: AgentTrial): Promise<void> {
    this.trial = trial;
    this.previous = this.current ?? '';
    this.current = trial.to;
    return Promise.resolve();
  }
  confirm(): Promise<void> {
    this.trial = null;
    return Promise.resolve();
  }
  restore(): Promise<void> {
    this.current = this.previous || null;
    this.trial = null;
    return Promise.resolve();
  }
  rollBack(): Promise<string | null> {
    if (this.previous === null) return Promise.resolve(null);
    this.current = this.previous || null;
    this.previous = null;
    return Promise.resolve(this.current ?? '');
  }
}

/** A host whose agent runs `version`: what the launcher started. */
class VersionedHost extends FakeHost {
  version = '0.1.0';
  readonly agentVersions = new MemoryVersions();
  override async inventory(): Promise<Inventory> {
    return { ...(await super.inventory()), agentVersion: this.version };
  }
}

const BUNDLE = Buffer.from('// the agent, bundled\n');
const agentUpdate = makeAssignment(
  {
    id: 'AGENT-0.2.0',
    files: ['agent.mjs'],
    detect: { type: 'agent-version', version: '0.2.0' },
    install: { kind: 'agent', file: 'agent.mjs', version: '0.2.0', timeoutSeconds: 600 },
    uninstall: { kind: 'agent' },
  },
  { files: [{ path: 'agent.mjs', sha256: sha(BUNDLE), size: BUNDLE.length }] },
);

describe('the agent core replacing its agent', () => {
  let host: VersionedHost;
  let server: FakeServer;
  let clock: number;
  let events: CycleEvent[];
  const core = () =>
    fakeCore(host, server, () => new Date(clock), { onEvent: (e) => events.push(e) });
  const said = () => server.applied.map((r) => [r.state, r.reason, r.message]);

  beforeEach(() => {
    host = new VersionedHost();
    server = new FakeServer();
    server.content.set(sha(BUNDLE), BUNDLE);
    clock = Date.parse('2026-12-05T10:00:00Z');
    events = [];
  });

  it('keeps the bundle, opens the trial, points at it and asks to restart, running nothing else', async () => {
    server.assignments = [agentUpdate, makeAssignment()];
    const result = await core().runCycle();
    expect(host.agentVersions.staged).toEqual(['0.2.0']);
    expect(host.agentVersions.trial).toMatchObject({
      from: '0.1.0',
      to: '0.2.0',
      deadline: '2026-12-05T10:10:00.000Z',
    });
    expect(host.agentVersions.current).toBe('0.2.0');
    expect(said().at(-1)).toEqual([
      'installing',
      null,
      'restarting into agent 0.2.0 (from 0.1.0); it must check in within 10m',
    ]);
    expect(events.filter((e) => e.type === 'agent-restart')).toHaveLength(1);
    // The other assignment waits for the new version.
    expect(result).toMatchObject({ outcome: 'ok', assignments: [{ end: 'installing' }] });
    expect(host.ran).toEqual([]);
  });

  it('is confirmed by the new version’s first check-in, which reports installed', async () => {
    server.assignments = [agentUpdate];
    await core().runCycle();
    host.version = '0.2.0';
    clock += 60_000;
    await core().runCycle();
    expect(host.agentVersions.trial).toBeNull();
    expect(host.agentVersions.previous).toBe('');
    expect(said().at(-1)).toEqual(['installed', null, 'the agent runs 0.2.0']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'agent-trial', outcome: 'confirmed' }),
    );
  });

  it('falls back at the deadline when the new version cannot check in; the old one tells the server', async () => {
    server.assignments = [agentUpdate];
    await core().runCycle();
    host.version = '0.2.0';
    server.down = true;
    clock += 599_000;
    expect(await core().runCycle()).toMatchObject({ outcome: 'failed' });
    expect(host.agentVersions.trial).not.toBeNull();
    clock += 1000;
    expect(await core().runCycle()).toMatchObject({ outcome: 'failed' });
    expect(host.agentVersions.trial).toBeNull();
    expect(host.agentVersions.current).toBeNull(); // the packaged version again
    expect(events.filter((e) => e.type === 'agent-restart')).toHaveLength(2);

    // The launcher starts the previous version: its first check-in carries the failure.
    host.version = '0.1.0';
    server.down = false;
    server.assignments = [];
    await core().runCycle();
    expect(said().at(-1)).toEqual([
      'failed',
      'agent-update-failed',
      'the new agent 0.2.0 did not check in within 10m; 0.1.0 restored',
    ]);
  });

  it('rolls back to the previous version, which reports uninstalled', async () => {
    server.assignments = [agentUpdate];
    await core().runCycle();
    host.version = '0.2.0';
    await core().runCycle();
    server.assignments = [{ ...agentUpdate, action: 'uninstall' }];
    await core().runCycle();
    expect(said().at(-1)).toEqual([
      'uninstalling',
      null,
      'restarting into the packaged agent (from 0.2.0)',
    ]);
    host.version = '0.1.0';
    await core().runCycle();
    expect(said().at(-1)).toEqual(['uninstalled', null, 'the agent runs 0.1.0']);
    // Nothing further back is kept.
    host.version = '0.2.0';
    await core().runCycle();
    expect(said().at(-1)).toEqual([
      'uninstall-failed',
      'uninstall-error',
      'no earlier agent version is kept to go back to',
    ]);
  });
});
