import { ServerCallError } from './server-client.js';

/**
 * The servers an agent knows: replicas of one installation (one database), so any of
 * them answers any call as the others would. The agent starts at its own place in the
 * list, sticks to the server that works, and moves on to the next when one is down.
 */

/** What one call says about the server it went to. */
export type Verdict =
  /** It answered (a success, or a 4xx: another replica would say the same). */
  | 'answered'
  /** Not reached, timed out, or failing (5xx without Retry-After, 408): try the next. */
  | 'down'
  /** It shed the call (429, or 503 with Retry-After): alive but busy, wait as it asks. */
  | 'shed';

/**
 * A server shedding this many calls in a row is left for the next one (at the next call,
 * after the wait it asked for): one replica kept overloaded does not hold its agents.
 */
export const SHED_STRIKES = 3;

export interface ServerSwitch {
  from: string;
  to: string;
  reason: string;
}

export function verdictOf(error: unknown): Verdict {
  // Not the server's doing (a local error in the caller): another server would not help.
  if (!(error instanceof ServerCallError)) return 'answered';
  const { status } = error;
  if (status === null) return 'down';
  if (status === 429 || (status === 503 && error.retryAfterSeconds !== null)) return 'shed';
  if (status >= 500 || status === 408) return 'down';
  return 'answered';
}

/**
 * An agent's own place in a list of `count` servers: a stable hash of `key` (the
 * enrollment nonce), so a fleet spreads evenly and each agent starts at the same
 * server after every restart.
 */
export function startingServer(key: string, count: number): number {
  // FNV-1a, 32 bits: well spread for random keys, and the same on every platform.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return count > 0 ? hash % count : 0;
}

/** The list, the one in use, and the rules for moving on. No I/O: the caller makes the calls. */
export class ServerList {
  private index: number;
  private sheds = 0;

  constructor(
    readonly urls: readonly string[],
    start = 0,
    private readonly onSwitch: (change: ServerSwitch) => void = () => undefined,
  ) {
    if (urls.length === 0) throw new Error('no server given');
    this.index = ((start % urls.length) + urls.length) % urls.length;
  }

  /** The server calls go to first. */
  get current(): string {
    return this.urls[this.index] as string;
  }

  /**
   * Runs `attempt` on the current server, then on the next ones in turn while they are
   * down, and sticks to the first that answers. A shed call is not taken elsewhere at
   * once: the caller waits its Retry-After. When every server is down the current one
   * stays (the fleet keeps its spread) and the error names each server's failure. Calls
   * must be safe to repeat on another replica (the agent protocol's are: sequence
   * numbers, the enrollment nonce). Once `signal` aborts, an error is passed on as it is.
   */
  async run<T>(attempt: (url: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const failures: Failure[] = [];
    let last: unknown;
    for (let step = 0; step < this.urls.length; step++) {
      const index = (this.index + step) % this.urls.length;
      const url = this.urls[index] as string;
      try {
        const value = await attempt(url);
        this.answered(index, failures);
        return value;
      } catch (error) {
        if (signal?.aborted) throw error;
        const verdict = verdictOf(error);
        if (verdict === 'answered') this.answered(index, failures);
        if (verdict === 'shed') this.shed(index, failures);
        if (verdict !== 'down') throw error;
        failures.push({ url, message: messageOf(error) });
        last = error;
      }
    }
    if (this.urls.length === 1 || !(last instanceof ServerCallError)) throw last;
    throw new ServerCallError(
      `no server answered: ${failures.map((f) => `${f.url}: ${f.message}`).join('; ')}`,
      last.status,
      last.code,
      last.retryAfterSeconds,
    );
  }

  /**
   * What was held on `url` broke (the push channel's connection): when it is the
   * current server, the next call starts at the next one.
   */
  down(url: string, reason: string): void {
    if (this.current !== url || this.urls.length === 1) return;
    this.move((this.index + 1) % this.urls.length, reason);
  }

  private answered(index: number, failures: readonly Failure[]): void {
    if (index !== this.index) this.move(index, reasonOf(failures));
    this.sheds = 0;
  }

  private shed(index: number, failures: readonly Failure[]): void {
    if (index !== this.index) this.move(index, reasonOf(failures));
    this.sheds += 1;
    if (this.sheds >= SHED_STRIKES && this.urls.length > 1) {
      this.move((index + 1) % this.urls.length, `it shed ${this.sheds} calls in a row`);
    }
  }

  private move(index: number, reason: string): void {
    const from = this.current;
    this.index = index;
    this.sheds = 0;
    this.onSwitch({ from, to: this.current, reason });
  }
}

type Failure = { url: string; message: string };

/** Why the agent left the current server (the first failure is its own). */
function reasonOf(failures: readonly Failure[]): string {
  if (failures.length === 1) return failures[0]?.message ?? '';
  return failures.map((f) => `${f.url}: ${f.message}`).join('; ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
