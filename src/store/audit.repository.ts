import type { Kysely, Selectable } from 'kysely';
import type { AuditEntryTable, Database } from './schema.js';

/** One recorded admin call, as the audit keeps it. */
export type AuditRecord = {
  id: number;
  /** Epoch milliseconds. */
  at: number;
  /** The caller's name; null when the call had no valid token. */
  actor: string | null;
  tokenId: string | null;
  role: string | null;
  from: string;
  action: string;
  method: string;
  path: string;
  /** The path parameters. */
  target: Record<string, string>;
  /** The request body with secrets redacted; null when there was none. */
  body: unknown;
  status: number;
  error: string | null;
  message: string | null;
  before: unknown;
  after: unknown;
};

export type NewAuditEntry = Omit<AuditRecord, 'id'>;

export type AuditFilter = {
  since?: number | undefined;
  until?: number | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  /** A path parameter's value (a deployment id, a group name, …). */
  target?: string | undefined;
};

export type AuditPage = AuditFilter & {
  limit: number;
  /** Newest first: entries older than this id. Oldest first: entries newer than it. */
  cursor?: number | undefined;
  order: 'newest-first' | 'oldest-first';
};

/** Neither engine stores a NUL in text; JSON text never holds one (it is escaped). */
function storable(text: string): string;
function storable(text: string | null): string | null;
function storable(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\u0000', '\uFFFD');
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parsed(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** The values of the path parameters, joined: what `target` filters on. */
export function targetKey(target: Record<string, string>): string | null {
  const values = Object.values(target);
  return values.length === 0 ? null : values.join('/');
}

function toRecord(row: Selectable<AuditEntryTable>): AuditRecord {
  return {
    id: Number(row.id),
    at: Number(row.at),
    actor: row.actor,
    tokenId: row.token_id,
    role: row.role,
    from: row.from_address,
    action: row.action,
    method: row.method,
    path: row.path,
    target: parsed(row.target) as Record<string, string>,
    body: parsed(row.body),
    status: Number(row.status),
    error: row.error,
    message: row.message,
    before: parsed(row.before),
    after: parsed(row.after),
  };
}

/** The audit log: append and read. There is no update and no delete, by design. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: NewAuditEntry): Promise<number> {
    const row = await this.db
      .insertInto('audit_entries')
      .values({
        at: entry.at,
        actor: storable(entry.actor),
        token_id: storable(entry.tokenId),
        role: storable(entry.role),
        from_address: storable(entry.from),
        action: storable(entry.action),
        method: storable(entry.method),
        path: storable(entry.path),
        target: JSON.stringify(entry.target),
        target_key: storable(targetKey(entry.target)),
        body: json(entry.body),
        status: entry.status,
        error: storable(entry.error),
        message: storable(entry.message),
        before: json(entry.before),
        after: json(entry.after),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async list(page: AuditPage): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_entries').selectAll();
    if (page.since !== undefined) query = query.where('at', '>=', page.since);
    if (page.until !== undefined) query = query.where('at', '<', page.until);
    if (page.actor !== undefined) query = query.where('actor', '=', storable(page.actor));
    if (page.action !== undefined) query = query.where('action', '=', storable(page.action));
    if (page.target !== undefined) query = query.where('target_key', '=', storable(page.target));
    const newest = page.order === 'newest-first';
    if (page.cursor !== undefined) query = query.where('id', newest ? '<' : '>', page.cursor);
    const rows = await query
      .orderBy('id', newest ? 'desc' : 'asc')
      .limit(page.limit)
      .execute();
    return rows.map(toRecord);
  }
}
