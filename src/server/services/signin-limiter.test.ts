import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '../../domain/errors.js';
import { SignInLimiter } from './signin-limiter.js';

describe('SignInLimiter', () => {
  const limits = { perName: 2, perAddress: 3, windowSeconds: 60 };

  it('holds a name back after its failures, with the wait until the oldest leaves the window', () => {
    let now = 1_000_000;
    const limiter = new SignInLimiter(limits, { now: () => now });
    limiter.failed('Bob', '10.0.0.1');
    now += 10_000;
    limiter.failed(' bob ', '10.0.0.2');
    now += 5_000;
    let refused: unknown;
    try {
      limiter.check('BOB', '10.0.0.3');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as TooManyRequestsError).retryAfterSeconds).toBe(45);
    now += 45_000;
    expect(() => limiter.check('bob', '10.0.0.3')).not.toThrow();
  });

  it('forgets the least recently failed keys past its bound, so memory stays bounded', () => {
    const now = 0;
    const limiter = new SignInLimiter({ ...limits, perName: 1 }, { now: () => now });
    limiter.failed('first', 'a0');
    expect(() => limiter.check('first', 'elsewhere')).toThrow(TooManyRequestsError);
    // 100,000 other names and addresses push the first ones out.
    for (let i = 1; i <= 50_000; i += 1) limiter.failed(`n${i}`, `a${i}`);
    expect(() => limiter.check('first', 'elsewhere')).not.toThrow();
    expect(() => limiter.check('n50000', 'elsewhere')).toThrow(TooManyRequestsError);
  });
});
