/** Messages between the benchmark's orchestrator and its load-generator processes. */
import { inventoryHash } from '../../src/contracts/inventory-hash.js';
import { inventoryFor } from './fleet.js';

export type LoadTarget = 'checkin' | 'healthz';

export type RunCommand = {
  type: 'run';
  id: number;
  /** e.g. http://127.0.0.1:4321 — loopback only. */
  origin: string;
  target: LoadTarget;
  /**
   * `open`: constant arrival rate (`rate` requests/s from this process, whatever the
   * answers); latency is measured from the scheduled send time, so queueing counts.
   * `closed`: `concurrency` loops, each sending its next request when the last one answered.
   */
  mode: 'open' | 'closed';
  rate: number;
  concurrency: number;
  durationMs: number;
  /** After the last send, wait at most this long for answers; the rest count as errors. */
  drainMs: number;
  connections: number;
  /** Check-ins go to random computers among 0 … computers-1. */
  computers: number;
  seed: number;
  /** Open loop: never more than this many requests in flight (the rest count as dropped). */
  maxInFlight: number;
};

export type RunResult = {
  type: 'result';
  id: number;
  scheduled: number;
  ok: number;
  /** Non-2xx answers by status code. */
  statuses: Record<string, number>;
  failures: number;
  dropped: number;
  unfinished: number;
  /** Latencies of the successful requests, in ms. */
  latenciesMs: number[];
  /** From the first scheduled send to the last answer (or the drain deadline), in ms. */
  elapsedMs: number;
  /** CPU time this load process used during the run, in ms. */
  cpuMs: number;
  firstError: string | null;
};

export type WorkerMessage =
  RunResult | { type: 'ready' } | { type: 'error'; id: number; message: string };
export type OrchestratorMessage = RunCommand | { type: 'exit' };

/**
 * The body of computer i's first check-in, as an agent that never checked in sends it:
 * its whole inventory. The server takes it, and tags its idle answer (`answerTag`).
 */
export function firstCheckinBody(i: number): string {
  return JSON.stringify({ inventory: inventoryFor(i) });
}

/**
 * The body of an idle check-in, as a real agent sends it once the server took its
 * inventory: the inventory's hash, the tag of the idle answer it holds (the server
 * answers 204 while it holds), and when it last scanned (every cycle scans).
 */
export function idleCheckinBody(i: number, answerTag: string, scannedAt: string): string {
  // No tag: a server before 0.2, whose agents send the whole inventory every time.
  if (answerTag === '') return JSON.stringify({ inventory: inventoryFor(i), scannedAt });
  return JSON.stringify({ inventoryHash: inventoryHash(inventoryFor(i)), answerTag, scannedAt });
}
