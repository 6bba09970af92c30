import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ComputerTable, Database } from './schema.js';

export type ComputerRecord = Selectable<ComputerTable>;
export type InventoryColumns = Pick<
  ComputerTable,
  | 'hostname'
  | 'os'
  | 'os_version'
  | 'arch'
  | 'hardware_id'
  | 'free_disk_mb'
  | 'agent_version'
  | 'ip_addresses'
  | 'site'
  | 'boot_time'
>;

export class ComputerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<ComputerTable>): Promise<void> {
    await this.db.insertInto('computers').values(row).execute();
  }

  find(id: string): Promise<ComputerRecord | undefined> {
    return this.db.selectFrom('computers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByCredentialHash(hash: string): Promise<ComputerRecord | undefined> {
    return this.db
      .selectFrom('computers')
      .selectAll()
      .where('credential_hash', '=', hash)
      .executeTakeFirst();
  }

  /** Computers whose id or hostname is the given text (hostnames need not be unique). */
  findByIdOrHostname(idOrHostname: string): Promise<ComputerRecord[]> {
    return this.db
      .selectFrom('computers')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrHostname), eb('hostname', '=', idOrHostname)]))
      .orderBy('enrolled_at')
      .execute();
  }

  list(): Promise<ComputerRecord[]> {
    return this.db.selectFrom('computers').selectAll().orderBy('hostname').orderBy('id').execute();
  }

  /** An enrolled computer with this hostname and hardware id: a re-image of it. */
  findReimaged(hostname: string, hardwareId: string): Promise<ComputerRecord | undefined> {
    return this.db
      .selectFrom('computers')
      .selectAll()
      .where('hostname', '=', hostname)
      .where('hardware_id', '=', hardwareId)
      .orderBy('enrolled_at', 'desc')
      .executeTakeFirst();
  }

  /**
   * A re-imaged computer keeps its id and history but gets a new credential and
   * loses its statuses: none of its updates survived. Its report sequence goes on,
   * so the new agent's first reports are not taken for resent ones.
   */
  async reimage(
    id: string,
    credentialHash: string,
    inventory: InventoryColumns,
    now: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('computers')
        .set((eb) => ({
          ...inventory,
          credential_hash: credentialHash,
          last_seen_at: now,
          reimaged_at: now,
          reimage_count: eb('reimage_count', '+', 1),
        }))
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('statuses').where('computer_id', '=', id).execute();
    });
  }

  /** Records a check-in: the time, and the inventory when it changed (null: unchanged). */
  async recordCheckin(id: string, inventory: InventoryColumns | null, now: number): Promise<void> {
    await this.db
      .updateTable('computers')
      .set({ ...inventory, last_seen_at: now })
      .where('id', '=', id)
      .execute();
  }
}
