import { AgentCore } from '../agent/core/agent-core.js';
import { runInstallCommand } from '../agent/installers/command-installer.js';
import { runStep } from '../agent/runner.js';
import { backOnAt, onlineAt, switchedOffAt } from './faults.js';
import type { ComputerFaults } from './faults.js';
import type { FleetOptions } from './options.js';
import type { PushChannel } from './push.js';
import { deriveSeed, mulberry32Step } from './rng.js';
import { SimServerClient, type CallCounters } from './sim-client.js';
import { SimComputer, SimHost, type SimContext } from './sim-host.js';
import { BOOT_DELAY } from './sim-computer.js';
import { Seen } from './stats.js';
import type { InstallTimeline } from './timeline.js';
import { nodeTrustCrypto } from '../agent/trust-crypto.js';

/** Every simulated computer verifies its answers like the real agent; one key cache for all. */
const verifier = nodeTrustCrypto();

export { BOOT_DELAY } from './sim-computer.js';

/** The fleet's computers, each with its own disk, boot time and PRNG from the seed. */
export function createComputers(
  options: FleetOptions,
  plan: readonly (ComputerFaults | null)[],
  startMs: number,
): SimComputer[] {
  const { seed, agents, sites } = options;
  const prefix = options.hostnamePrefix ?? 'sim';
  const hw = deriveSeed(seed, 'hardware').toString(16).padStart(8, '0');
  const computers = new Array<SimComputer>(agents);
  for (let i = 0; i < agents; i++) {
    let rng = deriveSeed(seed, `computer:${i}`);
    const disk = mulberry32Step(rng);
    const boot = mulberry32Step(disk.state);
    rng = boot.state;
    computers[i] = new SimComputer(
      i,
      `${prefix}-${String(i + 1).padStart(5, '0')}`,
      `SIM-${hw}-${String(i + 1).padStart(7, '0')}`,
      sites.length > 0 ? (sites[i % sites.length] ?? null) : null,
      10_000 + Math.floor(disk.value * 490_000),
      plan[i] ?? null,
      startMs - Math.floor(boot.value * 30 * 86_400_000),
      rng,
    );
    // Its own boot, from a stream of its own (the truth file tells it).
    const [shortest, longest] = BOOT_DELAY;
    const delay = mulberry32Step(deriveSeed(seed, `boot:${i}`)).value;
    computers[i]!.bootSeconds = Math.round(shortest + delay * (longest - shortest));
  }
  return computers;
}

/** The next number of this computer's PRNG, in [0, 1). */
export function random(c: SimComputer): number {
  const step = mulberry32Step(c.rng);
  c.rng = step.state;
  return step.value;
}

/** What one computer's life needs from the fleet that runs it. */
export interface LifecycleDeps {
  readonly options: FleetOptions;
  readonly startMs: number;
  readonly ctx: SimContext;
  readonly counters: CallCounters;
  /** The state of each computer as the summary counts it (`Seen`). */
  readonly seen: Uint8Array;
  /** The push channel (null without `push`). */
  readonly channel: PushChannel | null;
  /** Where each computer's first install spent its time: its boots go here. */
  readonly timeline?: InstallTimeline;
  /** The fleet is stopping: a running cycle ends before its next assignment. */
  stopping(): boolean;
  /** Records the fleet's last error. */
  error(message: string): void;
}

/**
 * Each computer's life between wakes: the faults it plays out (re-image, offline,
 * agent stopped) and its check-in cycle through the real AgentCore.
 */
export class Lifecycle {
  /** Computers re-imaged so far. */
  reimaged = 0;

  constructor(private readonly deps: LifecycleDeps) {}

  /** One wake of one computer; returns when it wakes next (virtual ms, or Infinity). */
  async runOne(c: SimComputer): Promise<number> {
    const { options, startMs, seen, channel } = this.deps;
    const clock = options.clock;
    const now = clock.now();
    const s = (now - startMs) / 1000;
    const at = (seconds: number) => startMs + seconds * 1000;
    const boot = () => c.bootSeconds * 1000;
    /** The computer comes on at `onAt` (virtual ms): its agent starts after the boot. */
    const agentAfterBoot = (onAt: number): number => {
      const agentAt = onAt + boot();
      this.deps.timeline?.boots(c.index, onAt, agentAt);
      return agentAt;
    };
    c.applyRestart(now);
    const f = c.faults;
    /**
     * Its computer is switched off (or re-imaged) before `next`: the agent stops with it,
     * starts after the boot once the computer is back, and checks in at once then.
     */
    const untilOff = (next: number): number => {
      if (!f || !Number.isFinite(next)) return next;
      const off = switchedOffAt(f, (clock.now() - startMs) / 1000, startMs);
      if (!(at(off) < next)) return next;
      const back = backOnAt(f, off, startMs);
      return Number.isFinite(back) ? agentAfterBoot(at(back)) : Number.POSITIVE_INFINITY;
    };

    if (f?.reimage) {
      const back = at(f.reimage.atSeconds + f.reimage.downSeconds);
      if (!c.reimaged && s >= f.reimage.atSeconds) {
        c.wipe(back);
        c.reimaged = true;
        this.reimaged++;
      }
      if (c.reimaged && now < back) {
        channel?.close(c);
        seen[c.index] = Seen.Offline;
        return agentAfterBoot(back);
      }
    }
    if (f?.offline) {
      const on = onlineAt(f.offline, s, startMs);
      if (on > s) {
        channel?.close(c);
        seen[c.index] = Seen.Offline;
        return Number.isFinite(on) ? agentAfterBoot(at(on)) : Number.POSITIVE_INFINITY;
      }
    }
    const host = new SimHost(c, this.deps.ctx);
    const core = (now: () => number) =>
      new AgentCore({
        host,
        installer: runInstallCommand,
        client: new SimServerClient(options.client, c, this.deps.ctx, this.deps.counters, startMs),
        enrollmentToken: options.enrollmentToken,
        now: () => new Date(now()),
        flushEachReport: options.flushEachReport ?? true,
        verifier,
        // A stop that comes while a cycle runs ends it before the next assignment (SIGTERM).
        shouldStop: () =>
          this.deps.stopping() ||
          (c.stopPhase === 0 &&
            f?.agentStopped !== undefined &&
            clock.now() >= at(f.agentStopped.from)),
      });

    if (f?.agentStopped) {
      // The agent service stops (SIGTERM from a user or maintenance) and maybe starts
      // again: the core records both, and tells the server at the next check-in.
      const { from, to, detail } = f.agentStopped;
      if (c.stopPhase === 0 && s >= from) {
        await core(() => at(from)).stopped(detail);
        c.stopPhase = 1;
      }
      if (c.stopPhase === 1) {
        if (to === null || s < to) {
          channel?.close(c);
          seen[c.index] = Seen.Stopped;
          return to === null ? Number.POSITIVE_INFINITY : at(to);
        }
        await core(() => at(to)).started();
        c.stopPhase = 2;
      }
    }

    // The shipped agent's runner decides the pace; the computer's own events (a
    // restart, the person's answer) may bring the next cycle forward, as the real
    // host's restart and local-user watch do.
    const cycler = core(() => clock.now());
    if (c.scanAsked) {
      // An admin asked for a scan over the push channel: this cycle sends every finding.
      c.scanAsked = false;
      cycler.requestScan();
    }
    const step = await runStep({
      core: cycler,
      state: c,
      now: () => clock.now(),
      random: () => random(c),
      push: {
        ready: () => {
          if (channel && !c.push && c.index < channel.limit) channel.open(c);
        },
      },
    });
    const end = clock.now();
    switch (step.kind) {
      case 'fatal':
        this.deps.error(`${c.hostname}: ${step.message}`);
        seen[c.index] = Seen.Error;
        return Number.POSITIVE_INFINITY;
      case 'error':
        this.deps.error(`${c.hostname}: ${step.message}`);
        seen[c.index] = Seen.Error;
        return untilOff(step.nextAt);
      case 'cycle':
        break;
    }
    if (step.result.outcome === 'failed') {
      this.deps.error(`${c.hostname}: ${step.result.message}`);
      seen[c.index] = step.result.transient ? Seen.Unreachable : Seen.Error;
      return untilOff(step.nextAt);
    }
    seen[c.index] = Seen.Online;
    let next = step.nextAt;
    if (c.restartAt !== 0) next = Math.min(next, c.restartAt + boot());
    // The agent notices the person's answer at its next cycle.
    for (const a of c.approvals ?? []) next = Math.min(next, Math.max(a.at, end + 1000));
    return untilOff(next);
  }
}
