import { describe, expect, it } from 'vitest';
import { parseDuration } from './enrollment.command.js';

describe('parseDuration', () => {
  it.each([
    ['30m', 1800],
    ['12h', 43_200],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['90s', 90],
    ['3600', 3600],
    [' 1D ', 86_400],
    ['5 m', 300],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '0d', '-5m', '1.5h', '7days', 'h', '10y', '1e3', '99999999999999999999w'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});
