import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UserTable } from './schema.js';

/** A local account. */
export type UserRecord = {
  id: string;
  name: string;
  displayName: string;
  email: string | null;
  role: string;
  /** The groups the user may deploy to; null: every group. */
  groupScope: string[] | null;
  passwordHash: string | null;
  /** Epoch milliseconds. */
  disabledAt: number | null;
  disabledBy: string | null;
  createdAt: number;
};

function toRecord(row: Selectable<UserTable>): UserRecord {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    email: row.email,
    role: row.role,
    groupScope: row.group_scope === null ? null : (JSON.parse(row.group_scope) as string[]),
    passwordHash: row.password_hash,
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
    disabledBy: row.disabled_by,
    createdAt: Number(row.created_at),
  };
}

export type UserChanges = Partial<
  Pick<UserRecord, 'displayName' | 'email' | 'role' | 'groupScope' | 'passwordHash'>
> & { disabled?: { at: number; by: string } | null };

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(id: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findByName(name: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .orderBy('created_at')
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  /** Inserts a user; false when the name is taken. */
  async insert(user: UserRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        name: user.name,
        display_name: user.displayName,
        email: user.email,
        role: user.role,
        group_scope: user.groupScope === null ? null : JSON.stringify(user.groupScope),
        password_hash: user.passwordHash,
        disabled_at: user.disabledAt,
        disabled_by: user.disabledBy,
        created_at: user.createdAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async update(id: string, changes: UserChanges): Promise<void> {
    const set: Updateable<UserTable> = {};
    if (changes.displayName !== undefined) set.display_name = changes.displayName;
    if (changes.email !== undefined) set.email = changes.email;
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.groupScope !== undefined) {
      set.group_scope = changes.groupScope === null ? null : JSON.stringify(changes.groupScope);
    }
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.disabled !== undefined) {
      set.disabled_at = changes.disabled?.at ?? null;
      set.disabled_by = changes.disabled?.by ?? null;
    }
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
  }
}
