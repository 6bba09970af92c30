import { z } from 'zod';

/** What an agent tells the server about its computer at every check-in. */
export const inventory = z.object({
  hostname: z.string().min(1).max(255),
  os: z.string().min(1).max(64),
  osVersion: z.string().max(128),
  arch: z.string().min(1).max(64),
  hardwareId: z.string().min(1).max(255),
  freeDiskMB: z.number().nonnegative(),
  agentVersion: z.string().min(1).max(64),
  ipAddresses: z.array(z.string().max(64)).max(64),
  site: z.string().min(1).max(128).nullable(),
  /** When the computer last booted (ISO 8601): a change tells a restart happened. */
  bootTime: z.iso.datetime({ offset: true }).nullable(),
  /** The e-mail of the person who uses the computer: told the rollout schedule (optional). */
  ownerEmail: z.email().max(254).nullable().optional(),
});
export type Inventory = z.infer<typeof inventory>;

/** What an idle agent sends instead of its inventory: inventoryHash() in inventory-hash.ts. */
export const inventoryHashText = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, { message: '22 base64url characters (inventory-hash.ts)' });

/** One installed package of the computer's package database. */
export const installedPackage = z.object({
  name: z.string().min(1).max(256),
  version: z.string().min(1).max(256),
  arch: z.string().min(1).max(64),
});

/** The most packages a check-in carries: a large distribution installs a few thousand. */
export const MAX_PACKAGES = 50_000;

/**
 * The installed packages (dpkg or rpm). Every check-in carries the hash of the list;
 * the list itself only when it changed since the server last took it.
 */
export const packageInventory = z.object({
  manager: z.enum(['dpkg', 'rpm']),
  /** SHA-256 (hex) of the sorted list, as `packagesHash` in domain/packages computes it. */
  hash: z.string().regex(/^[a-f0-9]{64}$/),
  items: z.array(installedPackage).max(MAX_PACKAGES).optional(),
});
export type PackageInventory = z.infer<typeof packageInventory>;
