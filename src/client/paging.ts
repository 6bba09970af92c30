import type { Page } from '../contracts/paging.js';

/**
 * Every page of a list, in order: `for await (const page of pages((cursor) =>
 * client.listComputers({ os: 'linux', cursor, limit: 500 })))`. It starts at `cursor`
 * (the first page when none) and stops after the page whose `nextCursor` is null.
 */
export async function* pages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  cursor?: string,
): AsyncGenerator<Page<T>> {
  let next: string | undefined = cursor;
  do {
    const page = await fetchPage(next);
    yield page;
    next = page.nextCursor ?? undefined;
  } while (next !== undefined);
}

/** Every item of every page, in order (the whole list in memory: for scripts and tests). */
export async function allItems<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages(fetchPage)) items.push(...page.items);
  return items;
}
