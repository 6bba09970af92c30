import type { Kysely, Selectable } from 'kysely';
import type { Absence } from '../domain/computer-health.js';
import type { AbsenceTable, Database } from './schema.js';

/** A time a computer was away, with why; `from` and `to` are epoch milliseconds. */
export type AbsenceRecord = Absence & {
  id: string;
  computerId: string;
  /** When the server learnt of it (the check-in after). */
  receivedAt: number;
};

function toRecord(row: Selectable<AbsenceTable>): AbsenceRecord {
  return {
    id: row.id,
    computerId: row.computer_id,
    kind: row.kind as Absence['kind'],
    from: Number(row.from_at),
    to: Number(row.to_at),
    detail: row.detail,
    receivedAt: Number(row.received_at),
  };
}

/** What computers were doing while away: told by the agent, or inferred from silence. */
export class AbsenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(absences: readonly AbsenceRecord[]): Promise<void> {
    if (absences.length === 0) return;
    await this.db
      .insertInto('absences')
      .values(
        absences.map((a) => ({
          id: a.id,
          computer_id: a.computerId,
          kind: a.kind,
          from_at: a.from,
          to_at: a.to,
          detail: a.detail,
          received_at: a.receivedAt,
        })),
      )
      .execute();
  }

  /** The latest absence of each of these computers, by computer id. */
  async latest(computerIds: readonly string[]): Promise<Map<string, AbsenceRecord>> {
    if (computerIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('absences as a')
      .selectAll('a')
      .where('a.computer_id', 'in', [...computerIds])
      .where('a.to_at', '=', (eb) =>
        eb
          .selectFrom('absences as x')
          .select((x) => x.fn.max('x.to_at').as('m'))
          .whereRef('x.computer_id', '=', 'a.computer_id'),
      )
      .execute();
    return new Map(rows.map((r) => [r.computer_id, toRecord(r)]));
  }

  /** One computer's absences, newest first. */
  async forComputer(computerId: string, limit = 50): Promise<AbsenceRecord[]> {
    const rows = await this.db
      .selectFrom('absences')
      .selectAll()
      .where('computer_id', '=', computerId)
      .orderBy('to_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }
}
