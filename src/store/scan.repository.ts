import type { Kysely } from 'kysely';
import type { ScanFinding, ScanResult, StoredScan } from '../domain/scan.js';
import type { StatusState } from '../domain/status.js';
import type { Database } from './schema.js';

/** What the scan found of one update on one computer. */
export type ScanRecord = StoredScan & { computerId: string; updateId: string };

type Row = {
  computer_id: string;
  update_id: string;
  result: string;
  message: string | null;
  detected_at: number;
  changed_at: number;
};

function toRecord(row: Row): ScanRecord {
  return {
    computerId: row.computer_id,
    updateId: row.update_id,
    result: row.result as ScanResult,
    message: row.message,
    detectedAt: Number(row.detected_at),
    changedAt: Number(row.changed_at),
  };
}

/** A status that says installed where the scan says not found, with both times. */
export type DisagreementRecord = {
  computerId: string;
  hostname: string;
  computerScannedAt: number | null;
  updateId: string;
  deploymentId: string | null;
  status: StatusState;
  statusAt: number;
  scan: ScanRecord;
};

/** The status facts compliance needs, for every computer × update that has one. */
export type StatusFactRecord = { computerId: string; updateId: string; state: StatusState };

/** The scan's findings, per computer × update; a write only for what changed. */
export class ScanRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async forComputer(computerId: string): Promise<ScanRecord[]> {
    const rows = await this.db
      .selectFrom('scan_results')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('update_id')
      .execute();
    return rows.map(toRecord);
  }

  async forComputers(computerIds: readonly string[]): Promise<ScanRecord[]> {
    if (computerIds.length === 0) return [];
    const out: ScanRecord[] = [];
    // Chunked: both engines limit the parameters of one statement.
    for (let i = 0; i < computerIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('scan_results')
        .selectAll()
        .where('computer_id', 'in', computerIds.slice(i, i + 500))
        .execute();
      out.push(...rows.map(toRecord));
    }
    return out;
  }

  async all(): Promise<ScanRecord[]> {
    const rows = await this.db.selectFrom('scan_results').selectAll().execute();
    return rows.map(toRecord);
  }

  /**
   * Stores findings told by the agent, in one transaction: a new or changed result is
   * written with its times; an unchanged one only when `refresh` (a full scan an admin
   * asked for) and then only its detected-at. Returns how many rows were written.
   */
  async apply(
    computerId: string,
    findings: readonly ScanFinding[],
    at: number,
    refresh: boolean,
  ): Promise<number> {
    if (findings.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      const current = new Map<string, ScanRecord>();
      const rows = await trx
        .selectFrom('scan_results')
        .selectAll()
        .where('computer_id', '=', computerId)
        .execute();
      for (const r of rows) current.set(r.update_id, toRecord(r));
      let written = 0;
      for (const f of findings) {
        const before = current.get(f.updateId);
        if (before && before.result === f.result && before.message === f.message) {
          if (!refresh || before.detectedAt >= at) continue;
          await trx
            .updateTable('scan_results')
            .set({ detected_at: at })
            .where('computer_id', '=', computerId)
            .where('update_id', '=', f.updateId)
            .execute();
        } else {
          const changedAt = before && before.result === f.result ? before.changedAt : at;
          await trx
            .insertInto('scan_results')
            .values({
              computer_id: computerId,
              update_id: f.updateId,
              result: f.result,
              message: f.message,
              detected_at: at,
              changed_at: changedAt,
            })
            .onConflict((oc) =>
              oc.columns(['computer_id', 'update_id']).doUpdateSet({
                result: f.result,
                message: f.message,
                detected_at: at,
                changed_at: changedAt,
              }),
            )
            .execute();
        }
        written += 1;
      }
      return written;
    });
  }

  /**
   * Statuses that say installed where the scan says not found (optionally of one
   * computer, or of one deployment): one join; the caller applies the time rule.
   */
  async disagreements(
    filter: { computerId?: string; deploymentId?: string } = {},
  ): Promise<DisagreementRecord[]> {
    let q = this.db
      .selectFrom('statuses as s')
      .innerJoin('scan_results as r', (j) =>
        j.onRef('r.computer_id', '=', 's.computer_id').onRef('r.update_id', '=', 's.update_id'),
      )
      .innerJoin('computers as c', 'c.id', 's.computer_id')
      .select([
        'r.computer_id',
        'r.update_id',
        'r.result',
        'r.message',
        'r.detected_at',
        'r.changed_at',
        'c.hostname',
        'c.scanned_at',
        's.deployment_id',
        's.state',
        's.updated_at',
      ])
      .where('s.state', '=', 'installed')
      .where('r.result', '=', 'not-found');
    if (filter.computerId !== undefined) q = q.where('s.computer_id', '=', filter.computerId);
    if (filter.deploymentId !== undefined) q = q.where('s.deployment_id', '=', filter.deploymentId);
    const rows = await q.orderBy('c.hostname').orderBy('s.update_id').execute();
    return rows.map((row) => ({
      computerId: row.computer_id,
      hostname: row.hostname,
      computerScannedAt: row.scanned_at === null ? null : Number(row.scanned_at),
      updateId: row.update_id,
      deploymentId: row.deployment_id,
      status: row.state as StatusState,
      statusAt: Number(row.updated_at),
      scan: toRecord(row),
    }));
  }

  async statusFacts(): Promise<StatusFactRecord[]> {
    const rows = await this.db
      .selectFrom('statuses')
      .select(['computer_id', 'update_id', 'state'])
      .execute();
    return rows.map((r) => ({
      computerId: r.computer_id,
      updateId: r.update_id,
      state: r.state as StatusState,
    }));
  }
}
