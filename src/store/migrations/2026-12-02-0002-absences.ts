import type { Kysely } from 'kysely';

/** `computer_events` held only absences: the table takes the glossary's name. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('computer_events_computer').ifExists().execute();
  await db.schema.alterTable('computer_events').renameTo('absences').execute();
  await db.schema
    .createIndex('absences_computer')
    .on('absences')
    .columns(['computer_id', 'to_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('absences_computer').ifExists().execute();
  await db.schema.alterTable('absences').renameTo('computer_events').execute();
  await db.schema
    .createIndex('computer_events_computer')
    .on('computer_events')
    .columns(['computer_id', 'to_at'])
    .execute();
}
