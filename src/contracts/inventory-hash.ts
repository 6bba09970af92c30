import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { Inventory } from './inventory.js';

/**
 * The hash an idle agent sends instead of its inventory: the first 16 bytes of the
 * SHA-256 of the canonical JSON of every inventory field (an absent `ownerEmail` counts
 * as null), base64url. Every field is in it, `freeDiskMB` and `bootTime` too: what the
 * server stores is what the hash names (the agent tells free disk again only when it
 * moved by FREE_DISK_DRIFT_MB, see agent/core/inventory.ts). Agent and server share it.
 */
export function inventoryHash(inventory: Inventory): string {
  const text = canonicalJson({ ...inventory, ownerEmail: inventory.ownerEmail ?? null });
  return createHash('sha256').update(text).digest().subarray(0, 16).toString('base64url');
}
