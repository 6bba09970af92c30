import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase as SqliteDialectDatabase,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export type Store = {
  db: Kysely<Database>;
  engine: Engine;
  /** Where the data lives, for logs (never the password). */
  describe: string;
  /** PostgreSQL only: to open the dedicated connections LISTEN and advisory locks need. */
  postgres?: { url: string; schema?: string | undefined };
  close(): Promise<void>;
};

export type StoreOptions = {
  /** `postgres://…` for PostgreSQL; a file path or `sqlite:PATH` for SQLite. */
  url: string;
  /** PostgreSQL only: the schema to use (tests give each suite its own). */
  schema?: string;
  poolSize?: number;
};

// int8 (bigint) columns hold epoch milliseconds and counters: safe as JS numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

/** Picks the dialect once, at boot; repositories never look at the engine again. */
export function openStore(options: StoreOptions): Store {
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const parsed = new URL(options.url);
    return {
      db,
      engine: 'postgres',
      describe: `postgres://${parsed.host}${parsed.pathname}`,
      postgres: { url: options.url, schema: options.schema },
      close: () => db.destroy(),
    };
  }
  const file = options.url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return { db, engine: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
}

/**
 * Kysely prepares every query again; preparing is a large share of a check-in's
 * cost on SQLite. The same SQL text gets the same prepared statement (safe: the
 * driver is synchronous and we never stream rows). Bounded, for `in (…)` lists.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= 500) cache.clear();
        statement = sqlite.prepare(text);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * The migrator of one database, or of one PostgreSQL schema. Kysely looks for its own
 * tables in every schema it can see unless told which: another installation's (or test
 * suite's) schema in the same database would make it skip creating them in this one.
 */
export function createMigrator(db: Kysely<Database>, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/** Migrates to the latest version; `schema`: the PostgreSQL schema the store uses, if any. */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const { error, results } = await createMigrator(db, schema).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
