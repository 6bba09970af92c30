import path from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import type { Database } from '../src/store/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from './support/engines.js';

/** A deployment as the schema before multi-update deployments held it. */
async function oldDeployment(db: Kysely<Database>, uninstall: boolean, plan: object) {
  const manifest = { id: `u-${uninstall}`, ...(uninstall ? { uninstall: { command: 'x' } } : {}) };
  await db
    .insertInto('updates')
    .values({
      id: manifest.id,
      title: 't',
      severity: 'low',
      classification: 'update',
      manifest: JSON.stringify(manifest),
      content_hash: 'h',
      created_at: 1,
    })
    .execute();
  await db
    .insertInto('deployments')
    .values({
      id: `dep-${uninstall}`,
      update_id: manifest.id,
      state: 'active',
      created_at: 1,
      plan: JSON.stringify(plan),
    }) // the row as it was: no policy column yet
    .execute();
}

for (const engine of ENGINES) {
  describe(`the deployment migrations on ${engine}`, () => {
    let database: TestDatabase | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    it('carry every existing deployment over: its update, whether it can be uninstalled, its policy', async () => {
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
      const before = await migrator.migrateTo('2026-12-02-0003-placements');
      expect(before.error).toBeUndefined();
      await oldDeployment(store.db, true, { phases: [], policy: 'notify' });
      await oldDeployment(store.db, false, { phases: [] });
      const after = await migrator.migrateToLatest();
      expect(after.error).toBeUndefined();

      const updates = await store.db
        .selectFrom('deployment_updates')
        .select(['deployment_id', 'update_id', 'position', 'uninstallable'])
        .orderBy('deployment_id')
        .execute();
      expect(
        updates.map((u) => [u.deployment_id, u.update_id, u.position, Number(u.uninstallable)]),
      ).toEqual([
        ['dep-false', 'u-false', 0, 0],
        ['dep-true', 'u-true', 0, 1],
      ]);
      const policies = await store.db
        .selectFrom('deployments')
        .select(['id', 'policy'])
        .orderBy('id')
        .execute();
      expect(policies).toEqual([
        { id: 'dep-false', policy: 'scheduled' },
        { id: 'dep-true', policy: 'notify' },
      ]);
    });
  });
}
