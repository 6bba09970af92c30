import {
  SqliteAdapter,
  sql,
  type Expression,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { Page, PageRequest, SortOrder } from '../contracts/paging.js';
import { ValidationError } from '../domain/errors.js';
import type { Database } from './schema.js';

/**
 * Keyset paging, shared by every list. A page is ordered by its sort column and then by
 * columns that make the order total (the id); the cursor holds those values of the page's
 * last row, so the next page starts with `WHERE (sort, id) > (…)` on an index, however
 * deep it is. No column of a key may be null.
 */

export type KeyValue = string | number;

/** `t`: the total counted on the first page of the walk, carried to the pages after it. */
type CursorBody = { s: string; o: SortOrder; k: KeyValue[]; t?: number };

export function encodeCursor(
  sort: string,
  order: SortOrder,
  keys: readonly KeyValue[],
  total?: number,
): string {
  const body: CursorBody = {
    s: sort,
    o: order,
    k: [...keys],
    ...(total === undefined ? {} : { t: total }),
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function badCursor(message: string): ValidationError {
  return new ValidationError(`cursor: ${message}`, [{ field: 'cursor', message }]);
}

/**
 * The key values a cursor holds (and the total it carries, if any), checked against the
 * sort and order it is used with.
 */
export function decodeCursor(
  cursor: string,
  sort: string,
  order: SortOrder,
  arity: number,
): { keys: KeyValue[]; total: number | null } {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not a cursor this server gave (pass back nextCursor as it was)');
  }
  const b = body as Partial<CursorBody> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    !Array.isArray(b.k) ||
    b.k.length !== arity ||
    !b.k.every(
      (v) => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v)),
    ) ||
    (b.t !== undefined && !(Number.isSafeInteger(b.t) && b.t >= 0))
  ) {
    throw badCursor('not a cursor this server gave (pass back nextCursor as it was)');
  }
  if (b.s !== sort || b.o !== order) {
    throw badCursor(
      `this cursor is for sort=${String(b.s)} order=${String(b.o)}; ask with the same sort and order`,
    );
  }
  return { keys: b.k, total: b.t ?? null };
}

/** `k1 >= v1 AND (k1 > v1 OR (k2 >= v2 AND (…)))`: lexicographic, led by an index range. */
export function keysAfter(
  columns: readonly string[],
  values: readonly KeyValue[],
  order: SortOrder,
) {
  const [gt, ge] = order === 'asc' ? [sql`>`, sql`>=`] : [sql`<`, sql`<=`];
  const build = (i: number): Expression<SqlBool> => {
    const col = sql.ref(columns[i] ?? '');
    const value = values[i];
    if (i === columns.length - 1) return sql<SqlBool>`${col} ${gt} ${value}`;
    return sql<SqlBool>`(${col} ${ge} ${value} and (${col} ${gt} ${value} or ${build(i + 1)}))`;
  };
  return build(0);
}

export type Keyset<Row> = {
  /** The columns the page is ordered by, sort column first, ending with a unique one. */
  columns: readonly string[];
  /** The same values, read from a row of the page. */
  keyOf: (row: Row) => KeyValue[];
};

/**
 * The keyset for a sort: its column, then the id column unless it sorts by the id. The
 * page's rows hold those columns by their names (`c.hostname` → `hostname`).
 */
export function keysetOf<Row>(column: string, id: string): Keyset<Row> {
  const columns = column === id ? [id] : [column, id];
  return {
    columns,
    keyOf: (row) =>
      columns.map((c) => {
        const value = (row as Record<string, unknown>)[c.slice(c.indexOf('.') + 1)];
        return typeof value === 'number' ? value : String(value);
      }),
  };
}

/**
 * One page of `query` (already filtered), after the cursor, and the count of every row
 * `count` matches (the same filters, `count(*) as n`). The count is the costly part of a
 * page at fleet size, so it runs once per walk: on the first page, and only when the page
 * is not the whole list (then the total is the page's length). The pages after it carry
 * that total in their cursor: `total` is what matched when the walk began.
 */
export async function keysetPage<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  count: { executeTakeFirst(): Promise<{ n: string | number | bigint } | undefined> },
  keyset: Keyset<Row>,
  page: PageRequest,
): Promise<Page<Row>> {
  const { columns, keyOf } = keyset;
  let q = query;
  let carried: number | null = null;
  if (page.cursor !== undefined) {
    const decoded = decodeCursor(page.cursor, page.sort, page.order, columns.length);
    q = q.where(keysAfter(columns, decoded.keys, page.order));
    carried = decoded.total;
  }
  for (const c of columns) q = q.orderBy(sql.ref(c), page.order);
  const rows = await q.limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  const total =
    carried ??
    (page.cursor === undefined && !more
      ? items.length
      : Number((await count.executeTakeFirst())?.n ?? 0));
  return {
    items,
    nextCursor:
      more && last !== undefined ? encodeCursor(page.sort, page.order, keyOf(last), total) : null,
    total,
  };
}

/** `%text%` for LIKE, with the wildcards in `text` taken literally (escape `\`). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Any of the columns holds `text`, in any case (a scan of the rows the other filters keep).
 * The same match on both engines, in the SQL each can do fast: PostgreSQL's `LIKE` minds
 * case, so there it is `lower(col) LIKE` (which its trigram indexes on `lower(…)` serve);
 * SQLite's `LIKE` already ignores ASCII case, as its `lower()` only folds ASCII, so there it
 * is `col LIKE`, which spares a `lower()` on every row scanned.
 */
export function containsText(
  db: Kysely<Database>,
  columns: readonly string[],
  text: string,
): Expression<SqlBool> {
  const pattern = containsPattern(text.toLowerCase());
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const parts = columns.map((c) =>
    sqlite
      ? sql`${sql.ref(c)} like ${pattern} escape '\\'`
      : sql`lower(${sql.ref(c)}) like ${pattern} escape '\\'`,
  );
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}
