/**
 * `npm run bench:joiners [-- --joiners 1000] [--targets 10000,100000]`
 *
 * Computers joining a live deployment: for each target size, a SQLite database is
 * seeded with that many computers already placed in a live 5% / 25% / 100%
 * deployment, then `--joiners` more computers join its group one at a time and
 * the leader places each (the path enrollment and group changes take). Prints the
 * time per joiner for each target size: placing a joiner costs O(its
 * deployments), so the figures should not grow with the target. The first full
 * pass over the target (the safety net) is printed for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cumulativeCapacity } from '../src/domain/rollout/placement.js';
import { createServer } from '../src/server/server.js';
import { createRepositories } from '../src/store/repositories.js';
import { computerId, seedComputers } from './lib/fleet.js';

const phases = [
  { name: 'pilot', percent: 5 },
  { name: 'early', percent: 25 },
  { name: 'broad', percent: 100 },
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

type Result = {
  target: number;
  fullPassMs: number;
  perJoinerMs: { median: number; p95: number; mean: number };
  sizes: number[];
};

async function measure(target: number, joiners: number): Promise<Result> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-joiners-'));
  try {
    await seedComputers(path.join(dataDir, 'ringmaster.db'), target + joiners);
    const server = await createServer({ dataDir, engineIntervalMs: 0, adminTokenFromEnv: '' });
    try {
      const repos = createRepositories(server.store.db);
      const now = Date.now();
      await server.store.db
        .insertInto('updates')
        .values({
          id: 'bench-joiners',
          title: 'bench',
          severity: 'low',
          classification: 'update',
          manifest: '{}',
          content_hash: '',
          created_at: now,
        })
        .execute();
      await repos.groups.insert({ id: 'grp_target', name: 'target', query: null, createdAt: now });
      const members = Array.from({ length: target }, (_, i) => computerId(i));
      for (let i = 0; i < members.length; i += 5000) {
        await repos.groups.addMembers('grp_target', members.slice(i, i + 5000));
      }
      await repos.deployments.insert(
        {
          id: 'dep_joiners',
          update_id: 'bench-joiners',
          state: 'active',
          created_at: now,
          updated_at: now,
          plan: JSON.stringify({ phases }),
          action: 'install',
          next_evaluation_at: now,
        },
        ['grp_target'],
        phases.map((p) => p.name),
      );

      let started = performance.now();
      await server.services.engine.run(); // the leader's first tick: a full pass places them all
      const fullPassMs = performance.now() - started;

      const times: number[] = [];
      for (let j = target; j < target + joiners; j++) {
        const id = computerId(j);
        await repos.groups.addMembers('grp_target', [id]);
        started = performance.now();
        await server.services.engine.joined([id]);
        times.push(performance.now() - started);
      }
      const placed = await repos.rollout.placedPerPhase('dep_joiners');
      const sizes = phases.map((_, i) => placed.get(i) ?? 0);
      const n = target + joiners;
      let before = 0;
      phases.forEach((p, i) => {
        before += sizes[i] ?? 0;
        if (before > cumulativeCapacity(p.percent, n)) {
          throw new Error(`phase ${p.name} holds ${before} cumulatively, more than its share`);
        }
      });
      if (before !== n) throw new Error(`${before} of ${n} computers placed`);
      const sorted = [...times].sort((a, b) => a - b);
      return {
        target,
        fullPassMs,
        perJoinerMs: {
          median: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          mean: times.reduce((a, b) => a + b, 0) / times.length,
        },
        sizes,
      };
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const joiners = Number(option('joiners', '1000'));
const targets = option('targets', '10000,100000').split(',').map(Number);
const results: Result[] = [];
for (const target of targets) {
  const r = await measure(target, joiners);
  results.push(r);
  console.log(
    `target ${target.toLocaleString('en')} placed computers: full pass ${r.fullPassMs.toFixed(0)} ms; ` +
      `${joiners} joiners: ${r.perJoinerMs.median.toFixed(2)} ms median, ` +
      `${r.perJoinerMs.p95.toFixed(2)} ms p95, ${r.perJoinerMs.mean.toFixed(2)} ms mean per joiner ` +
      `(phases now ${r.sizes.join(' / ')})`,
  );
}
const [small, large] = [results[0], results[results.length - 1]];
if (small && large && small !== large) {
  console.log(
    `target ×${(large.target / small.target).toFixed(0)}: per-joiner median ×${(large.perJoinerMs.median / small.perJoinerMs.median).toFixed(2)}, ` +
      `full pass ×${(large.fullPassMs / small.fullPassMs).toFixed(1)}`,
  );
}
