import type { Kysely } from 'kysely';
import type { ComputerTable, Database } from './schema.js';

export type ComputerRecord = Omit<ComputerTable, 'report_seq'> & { report_seq: number };
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

  async insert(row: Omit<ComputerTable, 'report_seq'>): Promise<void> {
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

  async recordCheckin(id: string, inventory: InventoryColumns, now: number): Promise<void> {
    await this.db
      .updateTable('computers')
      .set({ ...inventory, last_seen_at: now })
      .where('id', '=', id)
      .execute();
  }
}
