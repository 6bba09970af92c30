/**
 * `npm run bench:sites [-- --computers 10000,100000]`
 *
 * Subnet rules placing a fleet: for each size, a SQLite database is seeded with that many
 * computers whose agent names no site, each seen at its own 10.x.y.z address, then a rule
 * holding every one is added (each moves to its site) and removed (each moves back to no
 * site). Prints the time of each and the computers moved per second; the computers are
 * read and written PLACE_BATCH at a time, so memory stays flat as the fleet grows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../src/server/server.js';
import { PLACE_BATCH } from '../src/server/services/site.service.js';
import type { NewComputer } from '../src/store/computer.repository.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { createRepositories } from '../src/store/repositories.js';
import { computerId, credential, inventoryFor, sha256Hex } from './lib/fleet.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

async function seed(url: string, count: number): Promise<void> {
  const store = openStore({ url });
  try {
    await migrateToLatest(store.db);
    const { computers } = createRepositories(store.db);
    const now = Date.now();
    for (let from = 0; from < count; from += 1000) {
      const batch: NewComputer[] = [];
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        const inventory = { ...inventoryFor(i), site: null };
        batch.push({
          id: computerId(i),
          credentialHash: sha256Hex(credential(i)),
          ...inventory,
          enrolledAt: now,
          lastSeenAt: now,
          placedAt: {
            placement: { site: null, source: null, rule: null },
            address: inventory.ipAddresses[0] ?? null,
          },
        });
      }
      await computers.insertMany(batch);
    }
  } finally {
    await store.close();
  }
}

async function measure(count: number) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringmaster-sites-'));
  try {
    await seed(path.join(dataDir, 'ringmaster.db'), count);
    const server = await createServer({ dataDir, engineIntervalMs: 0, adminTokenFromEnv: '' });
    try {
      const { sites } = server.services;
      let started = performance.now();
      const added = await sites.add({ cidr: '10.0.0.0/8', site: 'bench' }, 'bench');
      const addMs = performance.now() - started;
      started = performance.now();
      const removed = await sites.remove(added.id);
      const removeMs = performance.now() - started;
      return { count, addMs, removeMs, movedIn: added.moved, movedOut: removed.moved };
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`pages of ${PLACE_BATCH} computers`);
for (const count of option('computers', '10000,100000').split(',').map(Number)) {
  const r = await measure(count);
  const rate = (moved: number, ms: number) => Math.round((moved / ms) * 1000).toLocaleString('en');
  console.log(
    `${count.toLocaleString('en')} computers: add ${r.addMs.toFixed(0)} ms (${r.movedIn} moved, ` +
      `${rate(r.movedIn, r.addMs)}/s), remove ${r.removeMs.toFixed(0)} ms (${r.movedOut} moved, ` +
      `${rate(r.movedOut, r.removeMs)}/s)`,
  );
}
