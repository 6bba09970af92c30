import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresUrl } from './engines.js';

/**
 * A PostgreSQL database of its own, for a suite whose server processes (replicas) share
 * one: `create` in beforeAll, `drop` in afterAll (with force: a killed replica may hold
 * connections still).
 */
export function ownPostgresDatabase(prefix: string) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url: url.toString(),
    create: () => run(`create database ${name}`),
    drop: () => run(`drop database if exists ${name} with (force)`),
  };
}
