import type { Kysely } from 'kysely';

/**
 * The hash of the inventory the server last took from each computer's agent
 * (contracts/inventory-hash.ts): an idle agent sends only the hash, and a hash other than
 * this one makes the server ask for the whole inventory. Null: none taken yet.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').addColumn('inventory_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('computers').dropColumn('inventory_hash').execute();
}
