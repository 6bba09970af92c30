import type { Kysely } from 'kysely';

/**
 * The client policy a deployment sets explicitly (null: its computers' groups
 * decide). Deployments made before group policies all set theirs, in the plan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('policy', 'text').execute();
  const untyped = db as unknown as Kysely<{
    deployments: { id: string; plan: string | null; policy: string | null };
  }>;
  const rows = await untyped.selectFrom('deployments').select(['id', 'plan']).execute();
  for (const row of rows) {
    const plan = JSON.parse(row.plan ?? '{}') as { policy?: string };
    await untyped
      .updateTable('deployments')
      .set({ policy: plan.policy ?? 'scheduled' })
      .where('id', '=', row.id)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').dropColumn('policy').execute();
}
