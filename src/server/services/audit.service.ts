import { stringify } from 'csv-stringify/sync';
import type { AuditEntryView, AuditPageView } from '../../contracts/audit.js';
import type { Clock } from '../../domain/clock.js';
import { redactSecrets } from '../../domain/audit/redact.js';
import type { AuditFilter, AuditRecord, AuditRepository } from '../../store/audit.repository.js';

/** What a caller knows about one admin call; the service adds the time and redacts. */
export type AuditCall = Omit<AuditRecord, 'id' | 'at'>;

export type AuditFilterInput = {
  since?: string | undefined;
  until?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
};

const DEFAULT_LIMIT = 100;
/** Rows read per query while exporting. */
const EXPORT_BATCH = 1000;

/** The CSV columns, in order; JSON values (target, body, before, after) as JSON text. */
export const auditCsvColumns = [
  'id',
  'at',
  'actor',
  'tokenId',
  'role',
  'from',
  'action',
  'method',
  'path',
  'target',
  'body',
  'status',
  'error',
  'message',
  'before',
  'after',
] as const;

function toView(record: AuditRecord): AuditEntryView {
  return { ...record, at: new Date(record.at).toISOString() };
}

function toFilter(input: AuditFilterInput): AuditFilter {
  const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  return {
    since: ms(input.since),
    until: ms(input.until),
    actor: input.actor,
    action: input.action,
    target: input.target,
  };
}

function csvRow(view: AuditEntryView): (string | number)[] {
  const jsonText = (value: unknown) => (value === null ? '' : JSON.stringify(value));
  return auditCsvColumns.map((column) => {
    const value = view[column];
    if (typeof value === 'number' || typeof value === 'string') return value;
    return jsonText(value ?? null);
  });
}

/** The audit log: appends one entry per recorded call, and reads it back. Append only. */
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Appends one entry; the body, before and after lose their secrets first. */
  async record(call: AuditCall): Promise<number> {
    return this.audit.append({
      ...call,
      at: this.clock.now(),
      body: redactSecrets(call.body),
      before: redactSecrets(call.before),
      after: redactSecrets(call.after),
    });
  }

  /** A page, newest first; `nextCursor` continues with older entries. */
  async list(
    query: AuditFilterInput & { limit?: number | undefined; cursor?: string | undefined },
  ): Promise<AuditPageView> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.audit.list({
      ...toFilter(query),
      limit: limit + 1,
      cursor: query.cursor === undefined ? undefined : Number(query.cursor),
      order: 'newest-first',
    });
    const items = rows.slice(0, limit).map(toView);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? String(last.id) : null };
  }

  /** Every matching entry, oldest first, as CSV with a header row. */
  async csv(query: AuditFilterInput): Promise<string> {
    const filter = toFilter(query);
    const parts = [stringify([[...auditCsvColumns]])];
    let cursor: number | undefined;
    for (;;) {
      const rows = await this.audit.list({
        ...filter,
        limit: EXPORT_BATCH,
        cursor,
        order: 'oldest-first',
      });
      if (rows.length > 0) parts.push(stringify(rows.map((r) => csvRow(toView(r)))));
      if (rows.length < EXPORT_BATCH) break;
      cursor = rows[rows.length - 1]?.id;
    }
    return parts.join('');
  }
}
