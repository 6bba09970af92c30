import type { ServerClient } from '../agent/core/server-client.js';
import type { Clock } from '../domain/clock.js';
import type { FaultSpec } from './faults.js';
import type { PushOptions } from './push.js';

export interface FleetOptions {
  /** The real client (real HTTP to the real server), shared by every computer. */
  client: ServerClient;
  enrollmentToken: string;
  agents: number;
  seed: number;
  /** Round-robin over the computers; empty: no site. */
  sites: readonly string[];
  faults: readonly FaultSpec[];
  /** Mean virtual seconds an install takes (each is jittered ±50%). */
  installSeconds: number;
  /**
   * Mean virtual seconds the person at a computer takes to approve a download or an
   * install the policy asks about (±50%); default 600.
   */
  approvalSeconds?: number;
  /** Virtual seconds the fault schedules cover. */
  horizonSeconds: number;
  /** The first check-ins are spread over this many virtual seconds. */
  rampSeconds: number;
  /** At most this many cycles run at once (installs waiting on virtual time do not count). */
  concurrency: number;
  /** The virtual clock, shared with the server. */
  clock: Clock;
  /** Virtual seconds per real second: turns virtual waits into timers. */
  timeScale: number;
  hostnamePrefix?: string;
  agentVersion?: string;
  /** Send each report as it happens (default true), as the real agent does. */
  flushEachReport?: boolean;
  /**
   * Hold the push channel (`--push`): after its first successful cycle each online
   * computer keeps `GET /agent/v1/computers/:id/wake` open, and every `event: checkin`
   * makes its next cycle due now (coalesced, through the scheduler and its concurrency
   * cap). The stream closes while the computer is off, stopped, cut off or re-imaged,
   * and opens again after its next successful cycle.
   */
  push?: PushOptions;
}
