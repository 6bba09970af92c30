import { describe, expect, it } from 'vitest';
import { monitorLag } from './lag.js';

describe('monitorLag', () => {
  it('sees a blocked event loop at once, and still once its late timer has fired', async () => {
    const monitor = monitorLag(20);
    try {
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // Blocks the loop, as a burst of synchronous work would.
      }
      // However slow the machine, the loop was blocked at least this long past the due time.
      expect(monitor.lagMs()).toBeGreaterThanOrEqual(100);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(monitor.lagMs()).toBeGreaterThanOrEqual(100);
    } finally {
      monitor.stop();
    }
  });
});
