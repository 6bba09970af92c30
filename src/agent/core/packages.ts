import type { PackageInventory } from '../../contracts/inventory.js';
import type { DurableStore, Host } from './host.js';

const KEY = 'packages';

/**
 * What the check-in says about the installed packages: always their hash, the list
 * only when it differs from the one the server last took (kept as `packages` in the
 * state dir). Nothing when the computer has no dpkg or rpm, or the query failed.
 */
export async function packagesForCheckin(host: Host): Promise<PackageInventory | undefined> {
  if (!host.packages) return undefined;
  let list;
  try {
    list = await host.packages();
  } catch {
    return undefined;
  }
  if (!list) return undefined;
  const sent = await sentHash(host.storage);
  return sent === list.hash
    ? { manager: list.manager, hash: list.hash }
    : { manager: list.manager, hash: list.hash, items: list.packages };
}

/** After a check-in the server took: remember what it has, or forget when it asks for the list. */
export async function notePackagesTaken(
  store: DurableStore,
  sent: PackageInventory | undefined,
  serverWantsList: boolean,
): Promise<void> {
  if (serverWantsList) {
    await store.delete(KEY);
  } else if (sent?.items) {
    await store.put(KEY, JSON.stringify({ hash: sent.hash }));
  }
}

async function sentHash(store: DurableStore): Promise<string | null> {
  const raw = await store.get(KEY);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as { hash?: unknown };
    return typeof parsed.hash === 'string' ? parsed.hash : null;
  } catch {
    return null;
  }
}
