import type { Kysely } from 'kysely';

/**
 * Distribution points: where the computers of a site download update files. A managed
 * point (`ringmaster distribution-point run`) reports which files it holds, verified;
 * a static one (any HTTP server with the content-addressed layout) is read-only. The
 * agents tell the copies they found bad.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('distribution_points')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    /** Agents try a site's points by this, lowest first, then the server. */
    .addColumn('sort_order', 'integer', (c) => c.notNull())
    /** managed | static */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('distribution_points_site')
    .on('distribution_points')
    .columns(['site', 'sort_order', 'id'])
    .execute();
  await db.schema
    .createTable('distribution_point_files')
    .addColumn('point_id', 'text', (c) =>
      c.notNull().references('distribution_points.id').onDelete('cascade'),
    )
    .addColumn('sha256', 'text', (c) => c.notNull())
    /** staged | missing | corrupt */
    .addColumn('state', 'text', (c) => c.notNull())
    /** What a corrupt copy hashes to. */
    .addColumn('actual_sha256', 'text')
    .addColumn('detail', 'text')
    /** Who said so: the point itself, or the computer that found the copy bad. */
    .addColumn('reported_by', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('distribution_point_files_pk', ['point_id', 'sha256'])
    .execute();
  await db.schema
    .createTable('content_problems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('point_id', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    /** corrupt | missing | unreachable */
    .addColumn('problem', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('content_problems_computer')
    .on('content_problems')
    .columns(['computer_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('content_problems').execute();
  await db.schema.dropTable('distribution_point_files').execute();
  await db.schema.dropTable('distribution_points').execute();
}
