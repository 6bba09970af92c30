import type { Kysely } from 'kysely';

/**
 * The installed packages each computer's agent reports (dpkg or rpm), for group queries
 * such as `package "openssl" < "3.0.15"`: one row per computer × package × architecture,
 * found by name; the hash of the list on the computer, so an unchanged list is not sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('computer_packages')
    .addColumn('computer_id', 'text', (c) =>
      c.notNull().references('computers.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('manager', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('computer_packages_pk', ['computer_id', 'name', 'arch'])
    .execute();
  await db.schema
    .createIndex('computer_packages_name_computer')
    .on('computer_packages')
    .columns(['name', 'computer_id'])
    .execute();
  await db.schema.alterTable('computers').addColumn('packages_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').dropColumn('packages_hash').execute();
  await db.schema.dropTable('computer_packages').execute();
}
