import { createHash } from 'node:crypto';
import type { Inventory } from '../../src/contracts/inventory.js';
import type { NewComputer } from '../../src/store/computer.repository.js';
import { migrateToLatest, openStore } from '../../src/store/db.js';
import { createRepositories } from '../../src/store/repositories.js';

/**
 * The benchmark's fleet: computer i has a known id, credential and inventory, so the
 * database can be seeded directly and the load generators can check in as any of them.
 */

export const computerId = (i: number): string => `cmp_bench${i}`;
export const credential = (i: number): string => `bench-${i}`;
/** A real credential is `rm_computer_` + 43 base64url characters. */
export const realCredentialLength = 'rm_computer_'.length + 43;
export const agentUserAgent = 'ringmaster-agent';

/** Computer i's check-in with `body`, as undici request options (the agent's headers). */
export function checkinRequest(i: number, body: string) {
  return {
    method: 'POST' as const,
    path: `/agent/v1/computers/${computerId(i)}/checkin`,
    headers: {
      'user-agent': agentUserAgent,
      authorization: `Bearer ${credential(i)}`,
      'content-type': 'application/json',
    },
    body,
  };
}

const sites = ['hq', 'paris', 'lyon', 'berlin', 'madrid', 'remote', 'lab', 'plant'];

function hex(i: number, salt: string, length: number): string {
  return createHash('sha1').update(`${salt}:${i}`).digest('hex').slice(0, length);
}

/** What computer i's agent reports at every idle check-in (the seed stores the same). */
export function inventoryFor(i: number): Inventory {
  const h = hex(i, 'hw', 32);
  return {
    hostname: `ws-${sites[i % sites.length]}-${String(i).padStart(6, '0')}`,
    os: i % 10 === 0 ? 'linux' : 'windows',
    osVersion: i % 10 === 0 ? 'Ubuntu 24.04.1 LTS' : '10.0.22631',
    arch: 'x64',
    hardwareId: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
    freeDiskMB: 20_000 + (i % 97) * 613.5,
    agentVersion: '0.1.0',
    ipAddresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `fe80::${hex(i, 'ip', 4)}`],
    site: sites[i % sites.length]!,
    bootTime: new Date(Date.UTC(2026, 10, 1) + (i % 1000) * 60_000).toISOString(),
  };
}

/** The body of an idle check-in: the inventory, nothing seen while away. */
export function checkinBody(i: number): string {
  return JSON.stringify({ inventory: inventoryFor(i), events: [] });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Creates the schema in a fresh database and inserts `count` computers, in batches, before
 * any server opens it. Returns the time taken in milliseconds.
 */
export async function seedComputers(url: string, count: number, batchSize = 1000): Promise<number> {
  const started = performance.now();
  const store = openStore({ url });
  try {
    await migrateToLatest(store.db);
    const { computers } = createRepositories(store.db);
    const now = Date.now();
    for (let from = 0; from < count; from += batchSize) {
      const batch: NewComputer[] = [];
      for (let i = from; i < Math.min(count, from + batchSize); i++) {
        batch.push({
          id: computerId(i),
          credentialHash: sha256Hex(credential(i)),
          ...inventoryFor(i),
          enrolledAt: now,
          lastSeenAt: now,
        });
      }
      await computers.insertMany(batch);
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}
