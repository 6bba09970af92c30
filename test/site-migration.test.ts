import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import { ComputerRepository } from '../src/store/computer.repository.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';

for (const engine of ENGINES) {
  describe(`the site rules migration on ${engine}`, () => {
    let database: TestDatabase | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    it("keeps every site the agents told as the agent's, and a computer without one without", async () => {
      database = await freshDatabase(engine);
      store = openStore(
        database.databaseUrl
          ? { url: database.databaseUrl, ...(database.schema ? { schema: database.schema } : {}) }
          : { url: path.join(database.dataDir, 'ringmaster.db') },
      );
      const migrator = new Migrator({
        db: store.db,
        provider: migrationProvider,
        ...(database.schema ? { migrationTableSchema: database.schema } : {}),
      });
      expect((await migrator.migrateTo('2026-12-05-0060-group-owner-email')).error).toBeUndefined();
      for (const [id, site] of [
        ['cmp_told', 'tokyo'],
        ['cmp_none', null],
      ] as const) {
        // The row as it was: no site source yet.
        await sql`insert into computers (id, credential_hash, hostname, os, os_version, arch, hardware_id, free_disk_mb, agent_version, ip_addresses, site, enrolled_at)
          values (${id}, ${`h-${id}`}, ${id}, 'linux', '6', 'x64', ${`hw-${id}`}, 1, '0.1.0', '[]', ${site}, 1)`.execute(
          store.db,
        );
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const computers = new ComputerRepository(store.db);
      expect(await computers.find('cmp_told')).toMatchObject({
        site: 'tokyo',
        reportedSite: 'tokyo',
        siteSource: 'agent',
        siteRule: null,
        seenAddress: null,
      });
      expect(await computers.find('cmp_none')).toMatchObject({
        site: null,
        reportedSite: null,
        siteSource: null,
      });
    });
  });
}
