import type { Kysely } from 'kysely';

/**
 * A deployment carries one or more updates (updates × target × plan). Each
 * deployment's one update becomes its first row here. `deployments.update_id`
 * stays, unread, because SQLite cannot drop a column a foreign key uses.
 * `uninstallable`: the update's manifest has an uninstall command (manifests never
 * change), so a rollback knows which updates it can remove.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployment_updates')
    .addColumn('deployment_id', 'text', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('uninstallable', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('deployment_updates_pk', ['deployment_id', 'update_id'])
    .execute();
  await db.schema
    .createIndex('deployment_updates_update')
    .on('deployment_updates')
    .column('update_id')
    .execute();

  // Kysely<unknown> knows no tables: the old rows are read and written untyped.
  const untyped = db as unknown as Kysely<{
    deployments: { id: string; update_id: string };
    updates: { id: string; manifest: string };
    deployment_updates: {
      deployment_id: string;
      update_id: string;
      position: number;
      uninstallable: number;
    };
  }>;
  const rows = await untyped
    .selectFrom('deployments as d')
    .innerJoin('updates as u', 'u.id', 'd.update_id')
    .select(['d.id', 'd.update_id', 'u.manifest'])
    .execute();
  for (let i = 0; i < rows.length; i += 500) {
    await untyped
      .insertInto('deployment_updates')
      .values(
        rows.slice(i, i + 500).map((r) => ({
          deployment_id: r.id,
          update_id: r.update_id,
          position: 0,
          uninstallable: hasUninstall(r.manifest) ? 1 : 0,
        })),
      )
      .execute();
  }
}

function hasUninstall(manifest: string): boolean {
  const parsed = JSON.parse(manifest) as { uninstall?: unknown };
  return parsed.uninstall !== undefined && parsed.uninstall !== null;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deployment_updates').ifExists().execute();
}
