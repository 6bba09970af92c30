import { describe, expect, it } from 'vitest';
import type { CheckinRequest } from '../contracts/agent-protocol.js';
import type { ServerClient } from '../agent/core/server-client.js';
import { TestSigner } from '../agent/trust.test-support.js';
import type { ComputerFaults } from './faults.js';
import { BOOT_DELAY, createComputers, Lifecycle } from './lifecycle.js';
import type { FleetOptions } from './options.js';
import { ManifestIndex } from './sim-host.js';
import { InstallTimeline } from './timeline.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const INTERVAL = 3600;

/** An idle server asking for a check-in every hour; it notes when each came (s since T0). */
class IdleServer implements ServerClient {
  readonly checkins: number[] = [];
  private readonly signer: TestSigner;
  constructor(private readonly now: () => number) {
    this.signer = new TestSigner(now);
  }
  enroll() {
    return Promise.resolve({ computerId: 'c-1', credential: 'secret', root: this.signer.root });
  }
  checkin(_auth: unknown, _request: CheckinRequest) {
    this.checkins.push((this.now() - T0) / 1000);
    return Promise.resolve({
      computerId: 'c-1',
      assignments: [],
      nextCheckinSeconds: INTERVAL,
      ackedSeq: 0,
      metadata: this.signer.sign('c-1', []),
    });
  }
  reports() {
    return Promise.resolve({ ackedSeq: 0 });
  }
  download(): Promise<void> {
    throw new Error('no downloads here');
  }
}

/** One simulated computer with these faults, its wakes run by hand on a virtual clock. */
function oneComputer(faults: ComputerFaults) {
  let clock = T0;
  const server = new IdleServer(() => clock);
  const options: FleetOptions = {
    client: server,
    enrollmentToken: 'enroll-me',
    agents: 1,
    seed: 7,
    sites: [],
    faults: [],
    installSeconds: 60,
    horizonSeconds: 86_400,
    rampSeconds: 0,
    concurrency: 1,
    clock: { now: () => clock },
    timeScale: 1,
  };
  const [computer] = createComputers(options, [faults], T0);
  if (!computer) throw new Error('no computer');
  const timeline = new InstallTimeline(1);
  const lifecycle = new Lifecycle({
    options,
    startMs: T0,
    ctx: {
      index: new ManifestIndex(),
      now: () => clock,
      sleep: () => Promise.reject(new Error('nothing sleeps here')),
      installMs: () => 0,
      approvalMs: () => 0,
      agentVersion: 'sim',
    },
    counters: {
      enrolls: 0,
      checkins: 0,
      reportCalls: 0,
      reports: {},
      downloads: 0,
      unreachable: 0,
      absences: 0,
    },
    seen: new Uint8Array(1),
    channel: null,
    timeline,
    stopping: () => false,
    error: () => undefined,
  });
  /** Runs the wake due now; returns the next one (s since T0) and moves the clock there. */
  const wake = async (): Promise<number> => {
    const next = await lifecycle.runOne(computer);
    clock = next;
    return (next - T0) / 1000;
  };
  return { server, wake, timeline, computer };
}

const [MIN_BOOT, MAX_BOOT] = BOOT_DELAY;

describe('a simulated agent and its computer switched off', () => {
  it('goes off with its computer and checks in at once when it starts after the boot', async () => {
    // On at the start, off from 600 s to 1200 s: well inside its hour between check-ins.
    const { server, wake, timeline, computer } = oneComputer({
      offline: { schedule: 'intermittent', windows: [{ from: 600, to: 1200 }] },
    });
    expect(computer.bootSeconds).toBeGreaterThanOrEqual(MIN_BOOT);
    expect(computer.bootSeconds).toBeLessThanOrEqual(MAX_BOOT);
    const next = await wake();
    expect(server.checkins).toEqual([0]);
    // Not its next check-in an hour on: the agent died at 600 s and starts after its boot.
    expect(next).toBe(1200 + computer.bootSeconds);
    expect(timeline.lastBoot(0)).toEqual({
      cameOnAt: T0 + 1_200_000,
      agentStartedAt: T0 + next * 1000,
    });
    await wake();
    // Its first act after starting is a check-in, at the moment it started.
    expect(server.checkins).toEqual([0, next]);
  });

  it('starts after its boot when a wake finds its computer off', async () => {
    const { server, wake, computer } = oneComputer({
      offline: { schedule: 'intermittent', windows: [{ from: 0, to: 500 }] },
    });
    expect(await wake()).toBe(500 + computer.bootSeconds);
    expect(server.checkins).toEqual([]);
    await wake();
    expect(server.checkins).toEqual([500 + computer.bootSeconds]);
  });

  it('keeps its interval when its computer stays on', async () => {
    const { server, wake } = oneComputer({
      offline: { schedule: 'intermittent', windows: [{ from: 2 * INTERVAL, to: 3 * INTERVAL }] },
    });
    const next = await wake();
    expect(server.checkins).toEqual([0]);
    expect(next).toBeGreaterThanOrEqual(0.8 * INTERVAL);
    expect(next).toBeLessThanOrEqual(1.2 * INTERVAL);
  });

  it('after a re-image, starts after the boot that follows it', async () => {
    const { wake, computer } = oneComputer({ reimage: { atSeconds: 100, downSeconds: 500 } });
    const next = await wake();
    expect(next).toBe(600 + computer.bootSeconds);
  });
});
