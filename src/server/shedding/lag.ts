/**
 * The event loop's lag: a timer due every `periodMs` notes how late it fired. The worst
 * lateness of the last two periods is the lag, so one slow turn is seen at once and
 * forgotten soon after. The timer does not keep the process alive.
 */
export type LagMonitor = { lagMs: () => number; stop: () => void };

export function monitorLag(periodMs = 50): LagMonitor {
  let expected = performance.now() + periodMs;
  let last = 0;
  let previous = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    previous = last;
    last = Math.max(0, now - expected);
    expected = now + periodMs;
  }, periodMs);
  timer.unref();
  return {
    lagMs: () => Math.max(last, previous, performance.now() - expected),
    stop: () => clearInterval(timer),
  };
}
