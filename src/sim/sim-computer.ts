import { FIRST_INTERVAL_SECONDS, type RunnerState } from '../agent/runner.js';
import type { ComputerFaults } from './faults.js';
import type { ManifestIndex } from './manifest-index.js';
import type { InstallTimeline } from './timeline.js';

/**
 * An agent starts this long after its computer comes on (virtual seconds): the OS boot
 * and the service's start, each computer's own in this range. It then checks in at once.
 */
export const BOOT_DELAY = [30, 120] as const;

/** One virtual computer's state: kept small, since a process holds 100,000 of them. */
export class SimComputer implements RunnerState {
  /** The durable store's three known keys, and any others. */
  credential: string | null = null;
  outbox: string | null = null;
  memory: string | null = null;
  otherKeys: Map<string, string> | null = null;
  installed: Set<string> | null = null;
  /** How many times an install command ran here (all updates): a crash test counts doubles. */
  installRuns = 0;
  /** Installed, but only once the pending restart has happened. */
  afterRestart: Set<string> | null = null;
  /** Virtual epoch ms of the pending restart, or 0. */
  restartAt = 0;
  /** Virtual epoch ms. */
  bootTime: number;
  /** Its boot: its agent starts this long after it comes on (virtual seconds, BOOT_DELAY). */
  bootSeconds: number = BOOT_DELAY[0];
  cached: Map<string, number> | null = null;
  partial: Map<string, { size: number; complete: boolean }> | null = null;
  /** The reimage has happened. */
  reimaged = false;
  /** The simulated person's approvals: given at `at` (virtual epoch ms). */
  approvals: { updateId: string; stage: 'download' | 'install'; at: number }[] | null = null;
  /** agent-stopped: 0 running, 1 the stop was recorded, 2 the start too. */
  stopPhase = 0;
  /** The runner's pace (RunnerState): the server's last interval, the next backoff. */
  intervalSeconds = FIRST_INTERVAL_SECONDS;
  backoffSeconds = 0;
  /** Per-computer PRNG state (mulberry32). */
  rng: number;
  /** The scheduler's next wake for this computer (virtual epoch ms). */
  wakeAt = 0;
  /** A cycle of this computer is running (or waiting on virtual time). */
  busy = false;
  /** A wake came during the running cycle: run another one right after it. */
  wakePending = false;
  /** A wake asked for a scan (`kind: scan`): the next cycle sends every finding. */
  scanAsked = false;
  /** The push channel this computer holds (--push); aborting it closes the stream. */
  push: AbortController | null = null;
  /** The push stream is connected now. */
  pushUp = false;
  /** Virtual epoch ms when the push stream closes for a fault (the fleet's down heap). */
  downAt = 0;

  constructor(
    readonly index: number,
    readonly hostname: string,
    readonly hardwareId: string,
    readonly site: string | null,
    readonly freeDiskMB: number,
    readonly faults: ComputerFaults | null,
    bootTime: number,
    rng: number,
  ) {
    this.bootTime = bootTime;
    this.rng = rng;
  }

  /** The restart after a 3010 has happened by `now`: the pending installs take effect. */
  applyRestart(now: number): void {
    if (this.restartAt === 0 || now < this.restartAt) return;
    this.bootTime = this.restartAt;
    this.restartAt = 0;
    if (this.afterRestart) {
      this.installed ??= new Set();
      for (const u of this.afterRestart) this.installed.add(u);
      this.afterRestart = null;
    }
  }

  /** A re-image: same hardware, a fresh disk (no identity, no state, no updates). */
  wipe(bootTime: number): void {
    this.credential = null;
    this.outbox = null;
    this.memory = null;
    this.otherKeys = null;
    this.installed = null;
    this.afterRestart = null;
    this.restartAt = 0;
    this.cached = null;
    this.partial = null;
    this.approvals = null;
    this.bootTime = bootTime;
  }

  isInstalled(updateId: string): boolean {
    return this.installed?.has(updateId) ?? false;
  }
}

/** What a simulated host needs from the fleet. */
export interface SimContext {
  index: ManifestIndex;
  now(): number;
  /** Resolves after `ms` of virtual time, without holding a concurrency slot. */
  sleep(ms: number): Promise<void>;
  /** Install duration for this computer, in virtual ms (jittered). */
  installMs(computer: SimComputer): number;
  /** How long the person at this computer takes to approve a download or install (virtual ms). */
  approvalMs(computer: SimComputer): number;
  agentVersion: string;
  /** The server acknowledged a report of this computer in this state. */
  reported?(computer: SimComputer, state: string): void;
  /** Where each computer's first install spent its time (the install command's steps). */
  timeline?: InstallTimeline;
}
