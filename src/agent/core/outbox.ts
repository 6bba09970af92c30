import type { StatusReport } from '../../contracts/agent-protocol.js';
import type { DurableStore } from './host.js';
import { ServerCallError, type AgentCredential, type ServerClient } from './server-client.js';

/** A report before the outbox gives it its sequence number. */
export type ReportDraft = Omit<StatusReport, 'seq'>;

/** A report the server refused as such (a 4xx naming it): kept aside, never resent. */
export interface QuarantinedReport {
  report: StatusReport;
  status: number;
  message: string;
  at: string;
}

interface OutboxFile {
  /** The last sequence number handed out; never goes down, survives restarts. */
  lastSeq: number;
  pending: StatusReport[];
  /** The latest refused reports, oldest first, for a person to look at. */
  quarantined: QuarantinedReport[];
}

/** What one flush did. */
export interface FlushResult {
  sent: number;
  quarantined: QuarantinedReport[];
}

const OUTBOX_KEY = 'outbox';
export const MAX_BATCH = 500;
/** Refused reports kept for diagnosis; the oldest go first. */
export const MAX_QUARANTINED = 100;

/**
 * The durable outbox: every report is stored (with its sequence number) before it is
 * sent, and stays until the server acknowledges it. The server applies each sequence
 * number once, so resending after a lost answer never duplicates.
 */
export class Outbox {
  private state: OutboxFile | null = null;

  constructor(private readonly store: DurableStore) {}

  async pending(): Promise<readonly StatusReport[]> {
    return (await this.load()).pending;
  }

  async lastSeq(): Promise<number> {
    return (await this.load()).lastSeq;
  }

  /** Stores the report durably and returns it with its sequence number. */
  async add(draft: ReportDraft): Promise<StatusReport> {
    const state = await this.load();
    const report: StatusReport = { ...draft, seq: state.lastSeq + 1 };
    await this.save({ ...state, lastSeq: report.seq, pending: [...state.pending, report] });
    return report;
  }

  /**
   * Drops what the server has applied. A server that has applied more than we ever
   * numbered (state restored from an old copy) moves our counter past it, so that new
   * reports are not mistaken for old ones.
   */
  async acknowledge(ackedSeq: number): Promise<void> {
    const state = await this.load();
    const pending = state.pending.filter((r) => r.seq > ackedSeq);
    const lastSeq = Math.max(state.lastSeq, ackedSeq);
    if (pending.length === state.pending.length && lastSeq === state.lastSeq) return;
    await this.save({ ...state, lastSeq, pending });
  }

  /** Reports the server refused, oldest first (shown by the log and kept in the outbox). */
  async quarantined(): Promise<readonly QuarantinedReport[]> {
    return (await this.load()).quarantined;
  }

  /** Moves one report out of the way of the others, keeping it and why it was refused. */
  private async quarantine(
    report: StatusReport,
    error: ServerCallError,
  ): Promise<QuarantinedReport> {
    const state = await this.load();
    const entry = { report, status: error.status ?? 0, message: error.message, at: report.at };
    await this.save({
      ...state,
      pending: state.pending.filter((r) => r.seq !== report.seq),
      quarantined: [...state.quarantined, entry].slice(-MAX_QUARANTINED),
    });
    return entry;
  }

  /**
   * Sends pending reports in order, in batches. Says how many the server acknowledged
   * and which it refused; a failed call throws and leaves the rest for the next flush.
   */
  async flush(client: ServerClient, auth: AgentCredential): Promise<FlushResult> {
    let sent = 0;
    const quarantined: QuarantinedReport[] = [];
    let batchSize = MAX_BATCH;
    for (;;) {
      const batch = (await this.load()).pending.slice(0, batchSize);
      const [first] = batch;
      if (!first) return { sent, quarantined };
      let ackedSeq: number;
      try {
        ({ ackedSeq } = await client.reports(auth, { reports: batch }));
      } catch (error) {
        if (!isRefused(error)) throw error;
        // One bad report must not block the outbox for ever: find it, and set it aside.
        if (batch.length > 1) {
          batchSize = 1;
          continue;
        }
        quarantined.push(await this.quarantine(first, error));
        continue;
      }
      const before = (await this.load()).pending.length;
      await this.acknowledge(ackedSeq);
      const after = (await this.load()).pending.length;
      sent += before - after;
      // The server did not take the batch's first report: resending now would loop.
      if (after === before) return { sent, quarantined };
    }
  }

  private async load(): Promise<OutboxFile> {
    if (this.state) return this.state;
    const raw = await this.store.get(OUTBOX_KEY);
    this.state = raw ? parseOutbox(raw) : { lastSeq: 0, pending: [], quarantined: [] };
    return this.state;
  }

  private async save(next: OutboxFile): Promise<void> {
    await this.store.put(OUTBOX_KEY, JSON.stringify(next));
    this.state = next;
  }
}

/**
 * The server refused the reports themselves (a 4xx), not the call: not the credential
 * (401/403, enrolling again fixes it), not a timeout or a rate limit (408/429, worth
 * retrying as is).
 */
function isRefused(error: unknown): error is ServerCallError {
  if (!(error instanceof ServerCallError) || error.status === null) return false;
  const { status } = error;
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

function parseOutbox(raw: string): OutboxFile {
  let value: Partial<OutboxFile>;
  try {
    value = JSON.parse(raw) as Partial<OutboxFile>;
  } catch {
    // Writes are atomic, so this is outside damage. Starting over is safe: the next
    // check-in's ackedSeq moves the counter past everything the server has applied.
    return { lastSeq: 0, pending: [], quarantined: [] };
  }
  return {
    lastSeq: typeof value.lastSeq === 'number' ? value.lastSeq : 0,
    pending: Array.isArray(value.pending) ? value.pending : [],
    quarantined: Array.isArray(value.quarantined) ? value.quarantined : [],
  };
}
