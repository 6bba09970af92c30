import { z } from 'zod';
import { sha256Hex } from './manifest.js';

/** Path parameters and small answers that the route declarations share. */

export const idParams = z.object({ id: z.string().min(1) });
export const nameParams = z.object({ name: z.string().min(1) });
export const sha256Params = z.object({ sha256: sha256Hex });

export const contentView = z.object({ sha256: z.string(), size: z.number() });
export type ContentView = z.infer<typeof contentView>;
