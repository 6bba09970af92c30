import { sql, type Kysely } from 'kysely';

/**
 * A computer's site from the address the server sees it at: subnet rules (CIDR → site),
 * the longest prefix winning. `computers.site` becomes the effective site, the one every
 * reader uses; what the agent told (`--site`) is kept apart in `reported_site`, and it
 * wins over any rule. `site_source` says where the site came from (agent | rule; null:
 * no site), `site_rule` the rule's subnet, `seen_address` the address of its last
 * enrollment or check-in, which rules are matched against when they change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('site_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** Canonical (domain/site/cidr.ts formatCidr), so one subnet is one rule. */
    .addColumn('cidr', 'text', (c) => c.notNull().unique())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('computers').addColumn('reported_site', 'text').execute();
  await db.schema.alterTable('computers').addColumn('site_source', 'text').execute();
  await db.schema.alterTable('computers').addColumn('site_rule', 'text').execute();
  await db.schema.alterTable('computers').addColumn('seen_address', 'text').execute();
  // Until now every site was the agent's.
  await sql`update computers set reported_site = site, site_source = 'agent' where site is not null`.execute(
    db,
  );
  // A rule removed: the computers it placed, found without a scan.
  await db.schema
    .createIndex('computers_site_rule')
    .on('computers')
    .columns(['site_rule', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('computers_site_rule').execute();
  for (const column of ['seen_address', 'site_rule', 'site_source', 'reported_site']) {
    await db.schema.alterTable('computers').dropColumn(column).execute();
  }
  await db.schema.dropTable('site_rules').execute();
}
