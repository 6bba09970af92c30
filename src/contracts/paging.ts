import { z } from 'zod';

/**
 * One page shape for every list, declared once. A page is found by keyset, not by
 * OFFSET: the cursor holds the last row's sort key and id, so page N costs what page 1
 * costs. The cursor is opaque to callers; it is only valid with the sort and order it
 * was made for.
 */

export const maxPageLimit = 500;
export const defaultPageLimit = 50;
export const sortOrders = ['asc', 'desc'] as const;
export type SortOrder = (typeof sortOrders)[number];

/** The query every list takes: `limit`, `cursor`, `sort` (one of `sorts`), `order`. */
export function pageQuery<const S extends readonly [string, ...string[]]>(
  sorts: S,
  defaults: { sort: S[number]; order?: SortOrder },
) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(maxPageLimit).default(defaultPageLimit),
    cursor: z.string().min(1).max(2000).optional(),
    sort: z.enum(sorts).default(defaults.sort as never),
    order: z.enum(sortOrders).default(defaults.order ?? 'asc'),
  });
}

/** `{ items, nextCursor, total }`: `nextCursor` null on the last page; `total` counts every match. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
    total: z.number(),
  });
}

export type Page<T> = { items: T[]; nextCursor: string | null; total: number };

/** A list's paging request, parsed. */
export type PageRequest<S extends string = string> = {
  limit: number;
  cursor?: string | undefined;
  sort: S;
  order: SortOrder;
};
