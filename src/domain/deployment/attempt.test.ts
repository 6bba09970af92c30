import { describe, expect, it } from 'vitest';
import { countsAsAttempt } from './attempt.js';

describe('the attempt rule', () => {
  it('counts a command that starts, and not the failure that ends it', () => {
    expect(countsAsAttempt('downloaded', 'installing')).toBe(true);
    expect(countsAsAttempt('installing', 'failed')).toBe(false);
    expect(countsAsAttempt('installed', 'uninstalling')).toBe(true);
    expect(countsAsAttempt('uninstalling', 'uninstall-failed')).toBe(false);
  });

  it('counts a failure before any command started (download, disk space)', () => {
    expect(countsAsAttempt('downloading', 'failed')).toBe(true);
    expect(countsAsAttempt(null, 'failed')).toBe(true);
    expect(countsAsAttempt('installed', 'uninstall-failed')).toBe(true);
  });

  it('never counts progress or success', () => {
    for (const s of [
      'pending',
      'downloading',
      'downloaded',
      'installed',
      'not-applicable',
    ] as const) {
      expect(countsAsAttempt('pending', s)).toBe(false);
    }
  });
});
