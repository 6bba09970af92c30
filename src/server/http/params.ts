import { z } from 'zod';
import { sha256Hex } from '../../contracts/manifest.js';

export const idParam = z.object({ id: z.string().min(1) });
export const nameParam = z.object({ name: z.string().min(1) });
export const shaParam = z.object({ sha256: sha256Hex });
