import { updateManifest } from '../../src/contracts/manifest.js';
import { planSchema } from '../../src/contracts/plan.js';
import { migrateToLatest, openStore } from '../../src/store/db.js';
import { createRepositories } from '../../src/store/repositories.js';
import { computerId } from './fleet.js';

/** The catalog's rows of number `i`: update, group and deployment ids, for the lists' bench. */
export const benchUpdateId = (i: number): string => `BENCH-${String(i).padStart(6, '0')}`;
export const benchGroupName = (i: number): string => `team-${String(i).padStart(6, '0')}`;

const MEMBERS = 20;
const plan = planSchema.parse({
  phases: [
    { name: 'pilot', percent: 5 },
    { name: 'broad', percent: 100 },
  ],
});

/**
 * `count` updates, `count` static groups of 20 computers each and `count` deployments,
 * deployment i carrying update i to group i, its computers placed (the first in the
 * pilot): one in ten active, the rest rolled back, so the server starts without a full
 * placement pass over thousands of live deployments. Written through the store.
 */
export async function seedCatalog(url: string, count: number): Promise<void> {
  const store = openStore({ url });
  try {
    await migrateToLatest(store.db);
    const repos = createRepositories(store.db);
    const now = Date.now() - count * 1000;
    for (let i = 0; i < count; i++) {
      const id = benchUpdateId(i);
      const at = now + i * 1000;
      await repos.updates.insert({
        id,
        manifest: updateManifest.parse({
          id,
          title: `${i % 2 === 0 ? 'Kernel' : 'Browser'} fix number ${i}`,
          severity: i % 3 === 0 ? 'critical' : 'moderate',
          platforms: [{ os: 'linux' }],
          detect: { type: 'file', path: `/opt/bench/${id}` },
          install: { command: 'true', timeoutSeconds: 60 },
        }),
        contentHash: `bench-${id}`,
        createdAt: at,
        files: [],
      });
      const groupId = `grp_bench${i}`;
      await repos.groups.insert({
        id: groupId,
        name: benchGroupName(i),
        query: null,
        createdAt: at,
      });
      const members = Array.from({ length: MEMBERS }, (_, k) => computerId(i * MEMBERS + k));
      await repos.groups.addMembers(groupId, members);
      await repos.deployments.insert(
        {
          id: `dep_bench${i}`,
          updateIds: [id],
          uninstallable: [],
          state: i % 10 === 0 ? 'active' : 'rolled-back',
          action: 'install',
          plan,
          policy: null,
          createdAt: at,
          deadline: null,
        },
        [groupId],
        plan.phases.map((p) => p.name),
      );
      await repos.deployments.place(
        `dep_bench${i}`,
        new Map(members.map((m, k) => [m, k === 0 ? 0 : 1])),
      );
    }
  } finally {
    await store.close();
  }
}
