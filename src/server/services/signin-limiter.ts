import type { Clock } from '../../domain/clock.js';
import { TooManyRequestsError } from '../../domain/errors.js';

/** How many failed sign-ins are allowed, per user name and per address, within a window. */
export type SignInLimits = {
  /** Failures for one user name (or e-mail, case-insensitive) before it is refused. */
  perName: number;
  /** Failures from one address, whatever the names, before it is refused. */
  perAddress: number;
  /** The window the failures are counted over, and how long a refusal lasts at most. */
  windowSeconds: number;
};

export const DEFAULT_SIGNIN_LIMITS: SignInLimits = {
  perName: 5,
  perAddress: 20,
  windowSeconds: 15 * 60,
};

/** Keys kept at most; past this the oldest are dropped (memory stays bounded under a spray). */
const MAX_KEYS = 100_000;

/**
 * Failed sign-ins counted in memory, per process (a replica counts its own): after `perName`
 * failures for a name or `perAddress` from an address within the window, the next attempt
 * is refused before its password is even checked, until the oldest failure leaves the window.
 */
export class SignInLimiter {
  /** Failure times (epoch ms), oldest first, by key; a Map keeps insertion order for eviction. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly clock: Clock,
  ) {}

  /** Throws TooManyRequestsError (with its Retry-After) when the name or address is held back. */
  check(name: string, from: string): void {
    const now = this.clock.now();
    const waits = [
      this.wait(nameKey(name), this.limits.perName, now),
      this.wait(addressKey(from), this.limits.perAddress, now),
    ];
    const seconds = Math.max(...waits);
    if (seconds > 0) {
      throw new TooManyRequestsError(
        `too many failed sign-ins for this user name or from this address; try again in ${seconds} s`,
        seconds,
      );
    }
  }

  /** One more failure for the name and the address. */
  failed(name: string, from: string): void {
    const now = this.clock.now();
    for (const key of [nameKey(name), addressKey(from)]) {
      const kept = this.recent(key, now);
      kept.push(now);
      // Re-inserted, so the Map's first key is the one least recently failed.
      this.failures.delete(key);
      this.failures.set(key, kept);
    }
    while (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  /** A right password clears the name's failures (not the address's: one good account must not reset a spray). */
  succeeded(name: string): void {
    this.failures.delete(nameKey(name));
  }

  /** Whole seconds until the key may try again; 0 when it may now. */
  private wait(key: string, max: number, now: number): number {
    const kept = this.recent(key, now);
    if (kept.length < max) return 0;
    // The attempt is allowed again once enough failures have left the window.
    const freedAt = (kept[kept.length - max] ?? now) + this.limits.windowSeconds * 1000;
    return Math.max(1, Math.ceil((freedAt - now) / 1000));
  }

  /** The key's failures still in the window (and the stored list pruned to them). */
  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const since = now - this.limits.windowSeconds * 1000;
    const kept = times.filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }
}

function nameKey(name: string): string {
  return `name:${name.trim().toLowerCase()}`;
}

function addressKey(from: string): string {
  return `from:${from}`;
}
