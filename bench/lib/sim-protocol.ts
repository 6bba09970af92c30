/** Messages between the benchmark and its simulator processes (bench/sim-worker.ts). */
import type { InstallSteps } from '../../src/sim/fleet.js';

export type SimStartOptions = {
  serverUrl: string;
  enrollmentToken: string;
  agents: number;
  seed: number;
  /** A `--faults` spec, e.g. `offline=0.3:intermittent`; empty: none. */
  faults: string;
  installSeconds: number;
  timeScale: number;
  horizonSeconds: number;
  rampSeconds: number;
  concurrency: number;
  connections: number;
  truthFile?: string;
  hostnamePrefix: string;
  push: boolean;
};

export type SimRequest =
  | { type: 'start'; id: number; options: SimStartOptions }
  | { type: 'stats'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'push'; id: number }
  | { type: 'runs'; id: number }
  | { type: 'timeline'; id: number }
  | { type: 'stop'; id: number };

export type SimStats = {
  online: number;
  checkins: number;
  errors: number;
  lastError: string | null;
  pushConnected: number;
  pushHolding: number;
};

export type SimPush = {
  holdingAtFirstWake: number;
  holding: number;
  /** Per computer, epoch ms (real) of its first cycle / installed report since the reset; 0: not yet. */
  startedAt: number[];
  installedAt: number[];
};

export type SimReply =
  | { type: 'ready'; id: 0 }
  | { type: 'started'; id: number; startMs: number }
  | ({ type: 'stats'; id: number } & SimStats)
  | ({ type: 'push'; id: number } & SimPush)
  | { type: 'runs'; id: number; computers: { hostname: string; installRuns: number }[] }
  | { type: 'timeline'; id: number; computers: ({ hostname: string } & InstallSteps)[] }
  | { type: 'ok'; id: number }
  | { type: 'error'; id: number; message: string };
