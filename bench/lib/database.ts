/** A fresh database for one benchmark run: a SQLite file, or a new PostgreSQL database. */
import path from 'node:path';
import pg from 'pg';
import type { Engine } from './options.js';
import { fileSize } from './server-process.js';

export type Database = {
  url: string;
  sizeBytes: () => Promise<{ total: number; detail: string }>;
  drop: () => Promise<void>;
};

export async function freshDatabase(
  engine: Engine,
  opts: { pgUrl: string },
  dataDir: string,
): Promise<Database> {
  if (engine === 'sqlite') {
    const file = path.join(dataDir, 'ringmaster.db');
    return {
      url: file,
      sizeBytes: () => {
        const main = fileSize(file);
        const wal = fileSize(`${file}-wal`);
        return Promise.resolve({ total: main + wal, detail: `file ${main} + wal ${wal}` });
      },
      drop: () => Promise.resolve(),
    };
  }
  const admin = new pg.Client({ connectionString: opts.pgUrl });
  await admin.connect();
  const name = 'ringmaster_bench';
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(opts.pgUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    sizeBytes: async () => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const tables = await client.query<{ bytes: string }>(
          `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'`,
        );
        const db = await client.query<{ bytes: string }>(
          `SELECT pg_database_size(current_database())::text AS bytes`,
        );
        const total = Number(tables.rows[0]?.bytes ?? 0);
        return { total, detail: `tables+indexes ${total}, whole database ${db.rows[0]?.bytes}` };
      } finally {
        await client.end();
      }
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: opts.pgUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
