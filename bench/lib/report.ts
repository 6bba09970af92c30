/** The benchmark's figures as a table and as targets met or not. */
import type { SizeResult } from './capacity.js';
import { log } from './machine.js';
import type { Engine } from './options.js';
import type { EmergencyReach, NotMeasured, TimeToCompliance } from './scenario-types.js';

export type EngineResult = {
  engine: Engine;
  runs: SizeResult[];
  emergencyReach: (EmergencyReach | NotMeasured)[];
  timeToCompliance: TimeToCompliance | NotMeasured;
};

const mb = (b: number | null): string => (b === null ? '–' : `${Math.round(b / 1048576)} MB`);

export function printTable(results: EngineResult[]): void {
  const header = [
    'engine',
    'computers',
    'generator',
    'check-ins/s (p99<100ms)',
    'p50 ms',
    'p99 ms',
    'healthz/s',
    'ratio',
    'closed-loop check-ins/s',
    'server CPU ms/check-in',
    'ms/healthz',
    'generator CPU (max)',
    'peak RSS',
    'DB / 1k computers',
    'bytes / check-in',
  ];
  const rows = results.flatMap((e) =>
    e.runs.map((r) => [
      e.engine,
      r.computers.toLocaleString('en'),
      r.generator.kind,
      r.checkinCapacity ? String(r.checkinCapacity.ratePerSecond) : 'none',
      String(r.checkinCapacity?.p50Ms ?? '–'),
      String(r.checkinCapacity?.p99Ms ?? '–'),
      String(r.httpCeiling.ratePerSecond),
      String(r.capacityToCeilingRatio ?? '–'),
      String(r.checkinClosedLoopMax.ratePerSecond),
      String(r.checkinClosedLoopMax.serverCpuMsPerRequest ?? '–'),
      String(r.httpCeiling.serverCpuMsPerRequest ?? '–'),
      `${r.generator.maxCpuCores} of ${r.generator.cores}${r.generator.limit ? ' ✗ may limit' : ''}`,
      mb(r.cost.serverPeakRssBytes),
      `${Math.round(r.cost.databaseBytesPer1000Computers / 1024)} KiB`,
      String(r.cost.wire.totalBytesWithRealCredential),
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  log('\n' + line(header));
  log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) log(line(r));
  const generators = new Set(results.flatMap((e) => e.runs.map((r) => r.generator.description)));
  log(`load generator: ${[...generators].join('; ')}`);
  if (results.some((e) => e.runs.some((r) => r.generator.kind === 'node')))
    log('  (Node load processes: wrk was not used; on a 2-core machine they saturate first)');
  for (const e of results) {
    const em = e.emergencyReach;
    const tc = e.timeToCompliance;
    for (const r of em) {
      if (!r.measured) log(`${e.engine}: emergency reach — ${r.reason}`);
      else
        log(
          `${e.engine}: emergency reach, ${r.onlineAgents} online agents: 95% started ${r.secondsTo95Started} s, 95% installed ${r.secondsTo95Installed} s (server counts ${r.server.secondsTo95Started} / ${r.server.secondsTo95Installed} s)`,
        );
    }
    if (!tc.measured) log(`${e.engine}: time-to-compliance — ${tc.reason}`);
    else
      log(
        `${e.engine}: time-to-compliance, ${tc.agents} agents (${tc.faults}, ×${tc.timeScale}): 95% installed in ${tc.secondsTo95Installed} virtual s; lower bound ${tc.lowerBoundSeconds} s; ratio ${tc.ratio}`,
      );
  }
}

export function targets(
  results: EngineResult[],
): { target: string; value: string; met: boolean | null }[] {
  const sqlite = results.find((e) => e.engine === 'sqlite');
  if (!sqlite) return [];
  const largest = [...sqlite.runs].sort((a, b) => b.computers - a.computers)[0];
  if (!largest) return [];
  const rate = largest.checkinCapacity?.ratePerSecond ?? 0;
  return [
    {
      target: '100,000 registered computers (SQLite)',
      value: String(largest.computers),
      met: largest.computers >= 100_000,
    },
    {
      target: '≥ 2,000 idle check-ins/s with p99 < 100 ms',
      value: `${rate}/s at ${largest.computers}`,
      met: rate >= 2000,
    },
    {
      target: '≤ 1 KB per idle check-in',
      value: `${largest.cost.wire.totalBytesWithRealCredential} B`,
      met: largest.cost.wire.totalBytesWithRealCredential <= 1024,
    },
    {
      target: 'server RSS ≤ 1 GB at 100k',
      value: mb(largest.cost.serverPeakRssBytes),
      met:
        largest.computers >= 100_000
          ? (largest.cost.serverPeakRssBytes ?? Infinity) <= 1024 ** 3
          : null,
    },
    emergencyTarget(sqlite.emergencyReach),
  ];
}

function emergencyTarget(reach: (EmergencyReach | NotMeasured)[]): {
  target: string;
  value: string;
  met: boolean | null;
} {
  const target = 'emergency: 95% of 10k online agents started in ≤ 30 s';
  const tenK = reach.find((r): r is EmergencyReach => r.measured && r.agents >= 10_000);
  if (!tenK) {
    const small = reach.find((r): r is EmergencyReach => r.measured);
    return {
      target,
      value: small
        ? `${small.secondsTo95Started} s at ${small.onlineAgents} online agents (quick: 10k not run)`
        : 'not measured',
      met: null,
    };
  }
  return {
    target,
    value: `${tenK.secondsTo95Started} s at ${tenK.onlineAgents} online agents`,
    met: tenK.secondsTo95Started !== null && tenK.secondsTo95Started <= 30,
  };
}
