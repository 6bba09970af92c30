import { request, type Dispatcher } from 'undici';
import type { Clock } from '../domain/clock.js';

/**
 * The server's virtual clock, seen from here: GET /healthz tells the server's now; from
 * then on it runs `scale` times faster than real time, as the server's own does (the
 * server must be started with the same --time-scale). The server's time is read to the
 * millisecond, so at a high scale the sync is good to about `scale` ms of virtual time.
 */
export async function serverClock(
  serverUrl: string,
  scale: number,
  dispatcher?: Dispatcher,
  samples = 5,
): Promise<Clock> {
  const url = new URL('healthz', serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  // At 1000× an error of 50 ms is almost a minute of virtual time: keep the sample
  // with the shortest round trip (NTP's rule), the first one also opens the connection.
  let best: { rtt: number; serverNow: number; realAt: number } | null = null;
  for (let i = 0; i < samples; i++) {
    const before = performance.now();
    const beforeEpoch = Date.now();
    const response = await request(url, dispatcher ? { dispatcher } : {});
    const body = (await response.body.json()) as { time?: unknown };
    const rtt = performance.now() - before;
    if (response.statusCode !== 200 || typeof body.time !== 'string') {
      throw new Error(`${url.href} did not tell the server's time (HTTP ${response.statusCode})`);
    }
    const serverNow = Date.parse(body.time);
    if (Number.isNaN(serverNow)) throw new Error(`${url.href}: bad time "${body.time}"`);
    if (!best || rtt < best.rtt) best = { rtt, serverNow, realAt: beforeEpoch + rtt / 2 };
  }
  if (!best) throw new Error('no clock samples');
  return syncedClock(best.serverNow, best.realAt, scale);
}

/** A clock that reads `virtualAt` at real moment `realAt` and runs `scale` times faster. */
export function syncedClock(
  virtualAt: number,
  realAt: number,
  scale: number,
  real: () => number = Date.now,
): Clock {
  return { now: () => Math.round(virtualAt + (real() - realAt) * scale) };
}
