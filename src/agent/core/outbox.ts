import type { StatusReport } from '../../contracts/agent-protocol.js';
import type { DurableStore } from './host.js';
import { ServerCallError, type AgentCredential, type ServerClient } from './server-client.js';

/** A report before the outbox gives it its sequence number. */
export type ReportDraft = Omit<StatusReport, 'seq'>;

interface OutboxFile {
  /** The last sequence number handed out; never goes down, survives restarts. */
  lastSeq: number;
  pending: StatusReport[];
}

const OUTBOX_KEY = 'outbox';
export const MAX_BATCH = 500;

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
    await this.save({ lastSeq: report.seq, pending: [...state.pending, report] });
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
    await this.save({ lastSeq, pending });
  }

  private async drop(seq: number): Promise<void> {
    const state = await this.load();
    await this.save({ ...state, pending: state.pending.filter((r) => r.seq !== seq) });
  }

  /** Forgets unsent reports (the computer's identity is gone); the counter stays. */
  async clear(): Promise<void> {
    const state = await this.load();
    await this.save({ lastSeq: state.lastSeq, pending: [] });
  }

  /**
   * Sends pending reports in order, in batches. Returns how many the server
   * acknowledged; a failed call throws and leaves the rest for the next flush.
   */
  async flush(client: ServerClient, auth: AgentCredential): Promise<number> {
    let sent = 0;
    let batchSize = MAX_BATCH;
    for (;;) {
      const batch = (await this.load()).pending.slice(0, batchSize);
      if (batch.length === 0) return sent;
      let ackedSeq: number;
      try {
        ({ ackedSeq } = await client.reports(auth, { reports: batch }));
      } catch (error) {
        if (!isRefused(error)) throw error;
        // One bad report must not block the outbox for ever: find it and drop it.
        if (batch.length > 1) {
          batchSize = 1;
          continue;
        }
        await this.drop(batch[0]?.seq ?? 0);
        continue;
      }
      const before = (await this.load()).pending.length;
      await this.acknowledge(ackedSeq);
      const after = (await this.load()).pending.length;
      sent += before - after;
      // The server did not take the batch's first report: resending now would loop.
      if (after === before) return sent;
    }
  }

  private async load(): Promise<OutboxFile> {
    if (this.state) return this.state;
    const raw = await this.store.get(OUTBOX_KEY);
    this.state = raw ? parseOutbox(raw) : { lastSeq: 0, pending: [] };
    return this.state;
  }

  private async save(next: OutboxFile): Promise<void> {
    await this.store.put(OUTBOX_KEY, JSON.stringify(next));
    this.state = next;
  }
}

/** The server refused the reports themselves (validation), not the call. */
function isRefused(error: unknown): boolean {
  return error instanceof ServerCallError && (error.status === 400 || error.status === 422);
}

function parseOutbox(raw: string): OutboxFile {
  let value: Partial<OutboxFile>;
  try {
    value = JSON.parse(raw) as Partial<OutboxFile>;
  } catch {
    // Writes are atomic, so this is outside damage. Starting over is safe: the next
    // check-in's ackedSeq moves the counter past everything the server has applied.
    return { lastSeq: 0, pending: [] };
  }
  return {
    lastSeq: typeof value.lastSeq === 'number' ? value.lastSeq : 0,
    pending: Array.isArray(value.pending) ? value.pending : [],
  };
}
