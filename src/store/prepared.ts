import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** At most this many statements are prepared: each connection keeps every one it ran. */
const MAX_PREPARED = 64;

/** The SQL texts run as named prepared statements on PostgreSQL, by name. */
const names = new Map<string, string>();

/**
 * Marks the text of a statement on a hot path (an idle check-in's): on PostgreSQL each
 * connection parses and plans it once, then only binds and runs it. Nothing changes on
 * SQLite, whose driver keeps a statement per text anyway (db.ts). Returns the text.
 */
export function preparedOnPostgres(text: string): string {
  if (!names.has(text) && names.size < MAX_PREPARED) {
    names.set(text, `ringmaster_${names.size + 1}`);
  }
  return text;
}

/** The name a text is prepared under, if it is one of the marked. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}

/**
 * PostgreSQL refuses to run a prepared `select *` again once a column was added to its
 * table since (another replica's migration): "cached plan must not change result type".
 */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === '0A000';
}

/** One pooled connection that runs the marked texts as named statements. */
function preparingClient(client: pg.PoolClient): PostgresPoolClient {
  // Statements this connection can no longer run prepared: they run unnamed.
  const stale = new Set<string>();
  const run = async <R>(
    text: string,
    values: readonly unknown[],
  ): Promise<PostgresQueryResult<R>> => {
    const name = preparedName(text);
    if (name === undefined || stale.has(name)) {
      return (await client.query(text, [...values])) as unknown as PostgresQueryResult<R>;
    }
    try {
      return (await client.query({
        name,
        text,
        values: [...values],
      })) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      stale.add(name);
      return (await client.query(text, [...values])) as unknown as PostgresQueryResult<R>;
    }
  };
  return {
    query: ((textOrCursor: unknown, values?: readonly unknown[]) =>
      typeof textOrCursor === 'string'
        ? run(textOrCursor, values ?? [])
        : client.query(textOrCursor as never)) as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  };
}

/** The pool kysely is given on PostgreSQL: the same connections, marked texts prepared. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let connection = wrapped.get(client);
      if (!connection) {
        connection = preparingClient(client);
        wrapped.set(client, connection);
      }
      return connection;
    },
    end: () => pool.end(),
  };
}
