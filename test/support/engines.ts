import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** The PostgreSQL the tests use; CI starts it (see .ci/run). Never skipped. */
export const postgresUrl =
  process.env.RINGMASTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

export type TestDatabase = {
  dataDir: string;
  databaseUrl: string | undefined;
  schema: string | undefined;
  drop(): Promise<void>;
};

/** A fresh, empty database: a SQLite file in a temp dir, or a new PostgreSQL schema. */
export async function freshDatabase(engine: EngineName): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringmaster-test-'));
  if (engine === 'sqlite') {
    return {
      dataDir,
      databaseUrl: undefined,
      schema: undefined,
      drop: () => {
        rmSync(dataDir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    dataDir,
    databaseUrl: postgresUrl,
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
