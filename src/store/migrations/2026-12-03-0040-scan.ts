import type { Kysely } from 'kysely';

/**
 * The scan: what each computer's agent finds installed, per catalog update, whatever
 * any deployment did; and on the computer, when it last scanned with every finding
 * acknowledged (an unchanged scan writes nothing else).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scan_results')
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('update_id', 'text', (c) => c.notNull().references('updates.id'))
    /** found | not-found | error */
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('detected_at', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('scan_results_pk', ['computer_id', 'update_id'])
    .execute();
  await db.schema
    .createIndex('scan_results_update')
    .on('scan_results')
    .column('update_id')
    .execute();
  await db.schema.alterTable('computers').addColumn('scanned_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').dropColumn('scanned_at').execute();
  await db.schema.dropTable('scan_results').execute();
}
