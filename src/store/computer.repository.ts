import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Inventory } from '../contracts/inventory.js';
import type { ComputerSort } from '../contracts/list-queries.js';
import type { Page, PageRequest } from '../contracts/paging.js';
import type { SitePlacement, SiteSource } from '../domain/site/site-rules.js';
import { pageComputers, type ComputerFilter } from './computer-list.queries.js';
import type { ComputerCache } from './computer-cache.js';
import { BatchedLookup } from './batched-lookup.js';
import { preparedOnPostgres } from './prepared.js';
import type { ComputerTable, Database } from './schema.js';
import type { SeenWriter } from './seen-writer.js';

/**
 * A managed computer: its inventory as the agent last told it, and its enrollment facts.
 * `site` is its effective site (the agent's `--site`, else a subnet rule's); what the agent
 * told is `reportedSite`.
 */
export type ComputerRecord = Inventory & {
  id: string;
  credentialHash: string;
  /** Epoch milliseconds. */
  enrolledAt: number;
  lastSeenAt: number | null;
  /** The highest report sequence number stored for it. */
  reportSeq: number;
  reimagedAt: number | null;
  reimageCount: number;
  /** When an admin revoked its credential (epoch ms), and who; null: not revoked. */
  revokedAt: number | null;
  revokedBy: string | null;
  /** The agent's last scan with every finding acknowledged (epoch ms); null: none told. */
  scannedAt?: number | null;
  /** The hash of the package list stored for it; null: none reported. */
  packagesHash?: string | null;
  /** The hash of the inventory stored for it (contracts/inventory-hash.ts); null: none taken. */
  inventoryHash?: string | null;
  /** The site its agent told; absent: the same as `site`. */
  reportedSite?: string | null;
  /** Where `site` came from; with `siteRule`, the rule's subnet. */
  siteSource?: SiteSource | null;
  siteRule?: string | null;
  /** The address the server saw its last enrollment or check-in from. */
  seenAddress?: string | null;
};

/** Where a computer is: its effective site, where that came from, and the address seen. */
export type PlacedAt = { placement: SitePlacement; address: string | null };

/** A computer a subnet rule may place: one with no site from its agent. */
export type PlaceableComputer = { id: string; address: string | null } & SitePlacement;

/** One installed package of one computer, as stored. */
export type ComputerPackage = {
  computerId: string;
  name: string;
  arch: string;
  version: string;
  manager: 'dpkg' | 'rpm';
};

export type NewComputer = Inventory & {
  id: string;
  credentialHash: string;
  enrolledAt: number;
  lastSeenAt: number | null;
  /** Hash of the agent's enrollment nonce, when it sent one. */
  enrollmentNonceHash?: string | null;
  /** Its effective site and the address it enrolled from; absent: the agent's site. */
  placedAt?: PlacedAt;
};

type InventoryColumns = Pick<
  ComputerTable,
  | 'hostname'
  | 'os'
  | 'os_version'
  | 'arch'
  | 'hardware_id'
  | 'free_disk_mb'
  | 'agent_version'
  | 'ip_addresses'
  | 'boot_time'
  | 'owner_email'
> & { reported_site: string | null };

function inventoryColumns(inv: Inventory): InventoryColumns {
  return {
    hostname: inv.hostname,
    os: inv.os,
    os_version: inv.osVersion,
    arch: inv.arch,
    hardware_id: inv.hardwareId,
    free_disk_mb: inv.freeDiskMB,
    agent_version: inv.agentVersion,
    ip_addresses: JSON.stringify(inv.ipAddresses),
    reported_site: inv.site,
    boot_time: inv.bootTime,
    owner_email: inv.ownerEmail ?? null,
  };
}

/** The site its agent told, with no address seen (yet): a rule places it at check-in. */
export function agentPlacement(reported: string | null): SitePlacement {
  return reported === null
    ? { site: null, source: null, rule: null }
    : { site: reported, source: 'agent', rule: null };
}

function placementColumns(p: SitePlacement) {
  return { site: p.site, site_source: p.source, site_rule: p.rule };
}

/** A record's fields for a placement (laid over a kept row). */
function placementFields(p: PlacedAt): Partial<ComputerRecord> {
  return {
    site: p.placement.site,
    siteSource: p.placement.source,
    siteRule: p.placement.rule,
    seenAddress: p.address,
  };
}

/** A told inventory over a record: every field but the site, which is the effective one. */
function withInventory(record: ComputerRecord, inventory: Inventory): ComputerRecord {
  return { ...record, ...inventory, site: record.site, reportedSite: inventory.site };
}

function toSource(value: string | null): SiteSource | null {
  return value === 'agent' || value === 'rule' ? value : null;
}

export function toRecord(row: Selectable<ComputerTable>): ComputerRecord {
  return {
    id: row.id,
    credentialHash: row.credential_hash,
    hostname: row.hostname,
    os: row.os,
    osVersion: row.os_version,
    arch: row.arch,
    hardwareId: row.hardware_id,
    freeDiskMB: Number(row.free_disk_mb),
    agentVersion: row.agent_version,
    ipAddresses: JSON.parse(row.ip_addresses) as string[],
    site: row.site,
    bootTime: row.boot_time,
    ownerEmail: row.owner_email,
    enrolledAt: Number(row.enrolled_at),
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
    reportSeq: Number(row.report_seq),
    reimagedAt: row.reimaged_at === null ? null : Number(row.reimaged_at),
    reimageCount: Number(row.reimage_count),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
    scannedAt: row.scanned_at === null ? null : Number(row.scanned_at),
    packagesHash: row.packages_hash ?? null,
    inventoryHash: row.inventory_hash ?? null,
    reportedSite: row.reported_site ?? null,
    siteSource: toSource(row.site_source ?? null),
    siteRule: row.site_rule ?? null,
    seenAddress: row.seen_address ?? null,
  };
}

function toRow(computer: NewComputer) {
  return {
    id: computer.id,
    credential_hash: computer.credentialHash,
    ...inventoryColumns(computer),
    ...placementColumns(computer.placedAt?.placement ?? agentPlacement(computer.site)),
    seen_address: computer.placedAt?.address ?? null,
    enrolled_at: computer.enrolledAt,
    last_seen_at: computer.lastSeenAt,
    enrollment_nonce_hash: computer.enrollmentNonceHash ?? null,
  };
}

/**
 * The computers. With a SeenWriter, check-ins' times are written in batches and laid over
 * every row read here; with a ComputerCache (SQLite only), rows are kept by credential.
 */
export class ComputerRepository {
  /** The SQL of a lookup of one credential, built at its first call. */
  private byCredentialSql: string | undefined;
  /**
   * Every check-in reads its computer by credential (on PostgreSQL, where no cache is
   * kept): the check-ins of one turn of the event loop are read in one query.
   */
  private readonly byCredential = new BatchedLookup<string, Selectable<ComputerTable>>((hashes) =>
    this.rowsByCredential(hashes),
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly seen: SeenWriter | null = null,
    private readonly cache: ComputerCache | null = null,
  ) {}

  private record(row: Selectable<ComputerTable>): ComputerRecord {
    const record = toRecord(row);
    return this.seen ? this.seen.overlay(record) : record;
  }

  async insert(computer: NewComputer): Promise<void> {
    await this.db.insertInto('computers').values(toRow(computer)).execute();
  }

  /** Many computers at once (seeding a benchmark fleet), in one statement per chunk. */
  async insertMany(computers: readonly NewComputer[]): Promise<void> {
    // 20 columns a row: 1,000 rows stay under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    for (let i = 0; i < computers.length; i += 1000) {
      await this.db
        .insertInto('computers')
        .values(computers.slice(i, i + 1000).map(toRow))
        .execute();
    }
  }

  async find(id: string): Promise<ComputerRecord | undefined> {
    const row = await this.db
      .selectFrom('computers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.record(row);
  }

  /** These computers (any order; an unknown id is left out). */
  async findMany(ids: readonly string[]): Promise<ComputerRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('computers')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => this.record(r));
  }

  async findByCredentialHash(hash: string): Promise<ComputerRecord | undefined> {
    const kept = this.cache?.get(hash);
    if (kept) return this.seen ? this.seen.overlay(kept) : kept;
    const mark = this.cache?.mark() ?? 0;
    const row = await this.byCredential.get(hash);
    if (!row) return undefined;
    const record = this.record(row);
    this.cache?.put(record, mark);
    return record;
  }

  private async rowsByCredential(
    hashes: readonly string[],
  ): Promise<Map<string, Selectable<ComputerTable>>> {
    let rows: Selectable<ComputerTable>[];
    if (hashes.length === 1) {
      // The lone check-in's query: built once, a prepared statement on PostgreSQL.
      this.byCredentialSql ??= preparedOnPostgres(
        this.db.selectFrom('computers').selectAll().where('credential_hash', '=', '').compile().sql,
      );
      ({ rows } = await this.db.executeQuery<Selectable<ComputerTable>>(
        CompiledQuery.raw(this.byCredentialSql, [...hashes]),
      ));
    } else {
      rows = await this.db
        .selectFrom('computers')
        .selectAll()
        .where('credential_hash', 'in', [...hashes])
        .execute();
    }
    return new Map(rows.map((row) => [row.credential_hash, row]));
  }

  /** The computer an agent enrolled with this nonce: its retry, not a new computer. */
  async findByNonceHash(hash: string): Promise<ComputerRecord | undefined> {
    const row = await this.db
      .selectFrom('computers')
      .selectAll()
      .where('enrollment_nonce_hash', '=', hash)
      .executeTakeFirst();
    return row && this.record(row);
  }

  /** Its credential stops working at once; the row says who revoked it and when. */
  async revoke(id: string, by: string, now: number): Promise<void> {
    await this.db
      .updateTable('computers')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    this.cache?.drop(id);
  }

  /** Computers whose id or hostname is the given text (hostnames need not be unique). */
  async findByIdOrHostname(idOrHostname: string): Promise<ComputerRecord[]> {
    const rows = await this.db
      .selectFrom('computers')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrHostname), eb('hostname', '=', idOrHostname)]))
      .orderBy('enrolled_at')
      .execute();
    return rows.map((r) => this.record(r));
  }

  /** One page of computers matching the filter (see computer-list.queries.ts). */
  async page(
    filter: ComputerFilter,
    page: PageRequest<ComputerSort>,
  ): Promise<Page<ComputerRecord>> {
    // The list filters and sorts by last seen: what is pending is written first.
    await this.seen?.flush();
    return pageComputers(this.db, filter, page);
  }

  /** Every computer (evaluating a query group over the fleet). */
  async list(): Promise<ComputerRecord[]> {
    const rows = await this.db
      .selectFrom('computers')
      .selectAll()
      .orderBy('hostname')
      .orderBy('id')
      .execute();
    return rows.map((r) => this.record(r));
  }

  /** An enrolled computer with this hostname and hardware id: what a re-image claims to be. */
  async findReimaged(hostname: string, hardwareId: string): Promise<ComputerRecord | undefined> {
    const row = await this.db
      .selectFrom('computers')
      .selectAll()
      .where('hostname', '=', hostname)
      .where('hardware_id', '=', hardwareId)
      .orderBy('enrolled_at', 'desc')
      .executeTakeFirst();
    return row && this.record(row);
  }

  /**
   * Records a re-image: the computer keeps its id and history but gets a new credential
   * (and the new agent's nonce) and inventory. Its report sequence goes on, so the new
   * agent's first reports are not taken for resent ones. What else a re-image changes
   * (its statuses) is the caller's to decide.
   */
  async reimage(
    id: string,
    credentialHash: string,
    inventory: Inventory,
    now: number,
    nonceHash: string | null = null,
  ): Promise<void> {
    await this.db
      .updateTable('computers')
      .set((eb) => ({
        ...inventoryColumns(inventory),
        // A subnet rule places it again at its next check-in, from the address seen then.
        ...placementColumns(agentPlacement(inventory.site)),
        seen_address: null,
        credential_hash: credentialHash,
        enrollment_nonce_hash: nonceHash,
        // An admin approved this re-image: a credential revoked before is replaced.
        revoked_at: null,
        revoked_by: null,
        last_seen_at: now,
        reimaged_at: now,
        reimage_count: eb('reimage_count', '+', 1),
        inventory_hash: null,
      }))
      .where('id', '=', id)
      .execute();
    // The old credential must be refused from now on.
    this.cache?.drop(id);
  }

  /**
   * Records a check-in: the inventory (with its hash) when it changed, null when not; its
   * site and address when either changed, null when not; the time and `scannedAt` (the
   * agent's last acknowledged scan; null: unchanged) go to the SeenWriter when there is
   * one, else they are written now.
   */
  async recordCheckin(
    id: string,
    inventory: { inventory: Inventory; hash: string } | null,
    now: number,
    scannedAt: number | null = null,
    placedAt: PlacedAt | null = null,
  ): Promise<void> {
    if (inventory || placedAt || !this.seen) {
      await this.db
        .updateTable('computers')
        .set({
          ...(inventory && {
            ...inventoryColumns(inventory.inventory),
            inventory_hash: inventory.hash,
          }),
          ...(placedAt && {
            ...placementColumns(placedAt.placement),
            seen_address: placedAt.address,
          }),
          ...(this.seen
            ? {}
            : { last_seen_at: now, ...(scannedAt === null ? {} : { scanned_at: scannedAt }) }),
        })
        .where('id', '=', id)
        .execute();
    }
    this.seen?.note(id, now, scannedAt);
    this.cache?.update(id, (r) => ({
      ...(inventory
        ? { ...withInventory(r, inventory.inventory), inventoryHash: inventory.hash }
        : r),
      ...(placedAt && placementFields(placedAt)),
      lastSeenAt: Math.max(now, r.lastSeenAt ?? now),
      ...(scannedAt === null ? {} : { scannedAt }),
    }));
  }

  /**
   * The next computers, by id after `afterId`, that a subnet rule may place: those whose
   * agent tells no site and that were seen at an address; with `rule`, only those it placed.
   */
  async placeable(afterId: string, limit: number, rule?: string): Promise<PlaceableComputer[]> {
    let q = this.db
      .selectFrom('computers')
      .select(['id', 'site', 'site_source', 'site_rule', 'seen_address'])
      .where('id', '>', afterId)
      .where('reported_site', 'is', null)
      .where('seen_address', 'is not', null);
    if (rule !== undefined) q = q.where('site_rule', '=', rule);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      address: r.seen_address,
      site: r.site,
      source: toSource(r.site_source),
      rule: r.site_rule,
    }));
  }

  /** How many computers each subnet rule places now, by the rule's subnet. */
  async countByRule(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('computers')
      .select(['site_rule', (eb) => eb.fn.countAll().as('n')])
      .where('site_rule', 'is not', null)
      .groupBy('site_rule')
      .execute();
    return new Map(rows.map((r) => [r.site_rule ?? '', Number(r.n)]));
  }

  /**
   * Places these computers (a subnet rule changed). Only a computer still without a site
   * from its agent is changed: one that checked in with `--site` meanwhile keeps it.
   */
  async place(ids: readonly string[], placement: SitePlacement): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('computers')
      .set(placementColumns(placement))
      .where('id', 'in', [...ids])
      .where('reported_site', 'is', null)
      .execute();
    for (const id of ids) {
      this.cache?.update(id, (r) =>
        r.reportedSite === null || r.reportedSite === undefined
          ? { ...r, site: placement.site, siteSource: placement.source, siteRule: placement.rule }
          : r,
      );
    }
  }

  /**
   * Replaces the computer's package list and its hash, in one transaction. `items` must
   * hold each name × arch once.
   */
  async replacePackages(
    computerId: string,
    manager: 'dpkg' | 'rpm',
    hash: string,
    items: readonly { name: string; arch: string; version: string }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('computer_packages').where('computer_id', '=', computerId).execute();
      // 5 columns a row: 1,000 rows stay under both engines' parameter limits.
      for (let i = 0; i < items.length; i += 1000) {
        await trx
          .insertInto('computer_packages')
          .values(
            items.slice(i, i + 1000).map((p) => ({
              computer_id: computerId,
              name: p.name,
              arch: p.arch,
              version: p.version,
              manager,
            })),
          )
          .execute();
      }
      await trx
        .updateTable('computers')
        .set({ packages_hash: hash })
        .where('id', '=', computerId)
        .execute();
    });
    this.cache?.update(computerId, (r) => ({ ...r, packagesHash: hash }));
  }

  /** The packages with these names, of these computers (all computers when not given). */
  async packagesNamed(
    names: readonly string[],
    computerIds?: readonly string[],
  ): Promise<ComputerPackage[]> {
    if (names.length === 0 || computerIds?.length === 0) return [];
    let q = this.db
      .selectFrom('computer_packages')
      .select(['computer_id', 'name', 'arch', 'version', 'manager'])
      .where('name', 'in', [...names]);
    if (computerIds) q = q.where('computer_id', 'in', [...computerIds]);
    const rows = await q.orderBy('computer_id').orderBy('name').orderBy('arch').execute();
    return rows.map((r) => ({
      computerId: r.computer_id,
      name: r.name,
      arch: r.arch,
      version: r.version,
      manager: r.manager === 'rpm' ? 'rpm' : 'dpkg',
    }));
  }
}
