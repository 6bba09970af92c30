import { inventory as inventorySchema, type Inventory } from '../../contracts/inventory.js';
import { inventoryHash } from '../../contracts/inventory-hash.js';
import type { DurableStore } from './host.js';

const KEY = 'inventory';

/**
 * Free disk is told again only when it moved by this much since the server took it:
 * it changes a little at every cycle, and every change would send the whole inventory.
 */
export const FREE_DISK_DRIFT_MB = 100;

type Taken = { hash: string; inventory: Inventory };
/** Kept instead after a server refused the hash alone (one before 0.2). */
const OLD_SERVER = JSON.stringify({ oldServer: true });

/** What a check-in says of the inventory: the whole of it, or the hash of the one the server has. */
export type ToldInventory = { inventory: Inventory } | { inventoryHash: string };

/**
 * The whole inventory when it changed since the server took it (kept as `inventory` in
 * the state dir), else only the hash of the one it took. Free disk that moved less than
 * FREE_DISK_DRIFT_MB is no change.
 */
export async function inventoryForCheckin(
  store: DurableStore,
  current: Inventory,
): Promise<ToldInventory> {
  const taken = await load(store);
  if (taken === 'old-server') return { inventory: current };
  if (taken && sameButFreeDisk(taken.inventory, current)) {
    const drift = Math.abs(taken.inventory.freeDiskMB - current.freeDiskMB);
    if (drift < FREE_DISK_DRIFT_MB) return { inventoryHash: taken.hash };
  }
  return { inventory: current };
}

/** After a check-in the server took: remember what it has, or forget when it asks for it all. */
export async function noteInventoryTaken(
  store: DurableStore,
  told: ToldInventory,
  serverWantsIt: boolean,
  /** The answer came from a server that tags idle answers (0.2 or later). */
  tagged: boolean,
): Promise<void> {
  if (!tagged && (await load(store)) === 'old-server') return;
  if (serverWantsIt) {
    await store.delete(KEY);
  } else if ('inventory' in told) {
    // Hashed as the server reads it: through the schema, unknown fields left out.
    const inventory = inventorySchema.parse(told.inventory);
    const taken: Taken = { hash: inventoryHash(inventory), inventory };
    await store.put(KEY, JSON.stringify(taken));
  }
}

/**
 * A server refused a check-in with the hash alone (one before 0.2): the whole inventory
 * goes every time, until a server tags an idle answer.
 */
export async function noteOldServer(store: DurableStore): Promise<void> {
  await store.put(KEY, OLD_SERVER);
}

function sameButFreeDisk(a: Inventory, b: Inventory): boolean {
  const { freeDiskMB: _a, ...restA } = a;
  const { freeDiskMB: _b, ...restB } = b;
  return inventoryHash({ ...restA, freeDiskMB: 0 }) === inventoryHash({ ...restB, freeDiskMB: 0 });
}

async function load(store: DurableStore): Promise<Taken | 'old-server' | null> {
  const raw = await store.get(KEY);
  if (raw === null) return null;
  if (raw === OLD_SERVER) return 'old-server';
  try {
    const parsed = JSON.parse(raw) as Partial<Taken>;
    const inventory = inventorySchema.safeParse(parsed.inventory);
    return typeof parsed.hash === 'string' && inventory.success
      ? { hash: parsed.hash, inventory: inventory.data }
      : null;
  } catch {
    return null;
  }
}
