import { summarize } from './stats.js';

/** One check-in's answer, placed by the second of the run it was due in (0 = the first). */
export type TimedAnswer = { second: number; status: number; ms: number };

/** What the server process did in one second of the run (from outside it). */
export type ServerSecond = {
  /** Its CPU time in that second, as a share of one CPU. */
  cpuShare: number | null;
  /** How long its event loop's thread waited for a CPU in that second (ms): other work's. */
  waitedForCpuMs?: number | null;
  /** Its event loop's delay in that second (ms), from /metrics; null: not scraped. */
  loopDelayP99Ms: number | null;
  loopDelayMaxMs: number | null;
};

export type SecondRow = {
  second: number;
  served: number;
  shed: number;
  servedP99Ms: number | null;
  shedP99Ms: number | null;
} & Partial<ServerSecond>;

/** The check-ins second by second (by when each was due), beside what the server did then. */
export function perSecond(
  answers: readonly TimedAnswer[],
  seconds: number,
  server: readonly (ServerSecond | undefined)[] = [],
): SecondRow[] {
  const rows: SecondRow[] = [];
  for (let second = 0; second < seconds; second++) {
    const inSecond = answers.filter((a) => a.second === second);
    const served = inSecond.filter((a) => a.status === 200).map((a) => a.ms);
    const shed = inSecond.filter((a) => a.status === 503 || a.status === 429).map((a) => a.ms);
    rows.push({
      second,
      served: served.length,
      shed: shed.length,
      servedP99Ms: summarize(served).p99Ms,
      shedP99Ms: summarize(shed).p99Ms,
      ...(server[second] ?? {}),
    });
  }
  return rows;
}

/** The event-loop delay of a /metrics text (ms), from `ringmaster_event_loop_delay_seconds`. */
export function loopDelayOf(metricsText: string): { p99Ms: number; maxMs: number } | null {
  const value = (stat: string): number | null => {
    const match = new RegExp(
      `^ringmaster_event_loop_delay_seconds\\{stat="${stat}"\\} (\\S+)$`,
      'm',
    ).exec(metricsText);
    return match ? Math.round(Number(match[1]) * 1e5) / 100 : null;
  };
  const p99Ms = value('p99');
  const maxMs = value('max');
  return p99Ms === null || maxMs === null ? null : { p99Ms, maxMs };
}
