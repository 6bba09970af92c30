import { describe, expect, it, vi } from 'vitest';
import { BatchedLookup } from './batched-lookup.js';

describe('BatchedLookup', () => {
  it('reads the keys asked in one turn in one load, each once, and gives each its own', async () => {
    const loads: string[][] = [];
    const lookup = new BatchedLookup<string, number>((keys) => {
      loads.push(keys);
      return Promise.resolve(new Map(keys.filter((k) => k !== 'none').map((k) => [k, k.length])));
    });
    const found = await Promise.all(['a', 'bb', 'a', 'none', 'ccc'].map((k) => lookup.get(k)));
    expect(found).toEqual([1, 2, 1, undefined, 3]);
    expect(loads).toEqual([['a', 'bb', 'none', 'ccc']]);
    // A later turn reads again: nothing is kept.
    expect(await lookup.get('a')).toBe(1);
    expect(loads).toHaveLength(2);
  });

  it('splits a large turn into loads of at most its batch size', async () => {
    const sizes: number[] = [];
    const lookup = new BatchedLookup<number, number>((keys) => {
      sizes.push(keys.length);
      return Promise.resolve(new Map(keys.map((k) => [k, k * 2])));
    }, 3);
    const found = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => lookup.get(k)));
    expect(found).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('fails every read of a load that fails, and the next turn reads again', async () => {
    let fail = true;
    const lookup = new BatchedLookup<string, string>((keys) =>
      fail ? Promise.reject(new Error('down')) : Promise.resolve(new Map(keys.map((k) => [k, k]))),
    );
    const results = await Promise.allSettled([lookup.get('x'), lookup.get('y')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await lookup.get('x')).toBe('x');
  });

  it('is not held up by fake timers', async () => {
    vi.useFakeTimers();
    try {
      const lookup = new BatchedLookup<string, string>((keys) =>
        Promise.resolve(new Map(keys.map((k) => [k, k]))),
      );
      expect(await lookup.get('k')).toBe('k');
    } finally {
      vi.useRealTimers();
    }
  });
});
