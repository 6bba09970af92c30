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
