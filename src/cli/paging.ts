import { Option, type Command } from 'commander';
import type { Page } from '../contracts/paging.js';
import { CliError, print } from './output.js';

/** The paging flags every list command takes, the same as the API's query. */

export type PageOptions = {
  limit?: string;
  cursor?: string;
  all?: boolean;
  sort?: string;
  order?: string;
};

/** What a list command sends for its page; `sort` and `order` are checked by the server. */
export type PageArgs = { limit?: number; cursor?: string; sort?: never; order?: never };

const maxLimit = 500;

export function withPageOptions(command: Command, sorts: readonly string[]): Command {
  return command
    .option('--limit <n>', `rows per page, 1-${maxLimit} (default 50)`)
    .option('--cursor <cursor>', 'the page after this cursor (printed under the table)')
    .option('--all', 'every page: the whole list')
    .option('--sort <field>', `sort by ${sorts.join(', ')}`)
    .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']));
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > maxLimit) {
    throw new CliError(`--limit: "${text}" is not a whole number from 1 to ${maxLimit}`, 2);
  }
  return n;
}

/**
 * One page as the flags ask, or with `--all` every page from the cursor on (500 rows a
 * request), put together as one page with no next cursor.
 */
export async function fetchPages<T>(
  opts: PageOptions,
  fetchPage: (args: PageArgs) => Promise<Page<T>>,
): Promise<Page<T>> {
  const limit = parseLimit(opts.limit);
  const args = {
    ...(opts.sort !== undefined ? { sort: opts.sort as never } : {}),
    ...(opts.order !== undefined ? { order: opts.order as never } : {}),
  };
  if (opts.all !== true) {
    return fetchPage({
      ...args,
      ...(limit !== undefined ? { limit } : {}),
      ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
    });
  }
  const { pages } = await import('../client/paging.js');
  const items: T[] = [];
  let total = 0;
  for await (const page of pages(
    (cursor) =>
      fetchPage({
        ...args,
        limit: limit ?? maxLimit,
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    opts.cursor,
  )) {
    items.push(...page.items);
    total = page.total;
  }
  return { items, nextCursor: null, total };
}

const count = (n: number) => n.toLocaleString('en-US');

/** `showing 50 of 100,000 — next: --cursor …`, under a table of one page. */
export function formatPageFooter(page: Page<unknown>): string {
  const shown = `showing ${count(page.items.length)} of ${count(page.total)}`;
  return page.nextCursor === null ? shown : `${shown} — next: --cursor ${page.nextCursor}`;
}

/** The footer, unless the list is empty (the table said so already). */
export function printPageFooter(page: Page<unknown>): void {
  if (page.items.length > 0 || page.total > 0) print(formatPageFooter(page));
}
