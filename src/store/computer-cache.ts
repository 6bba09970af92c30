import type { ComputerRecord } from './computer.repository.js';

/** The most computers kept; past it the oldest kept goes first. */
const DEFAULT_CAPACITY = 200_000;

/**
 * Computer rows by credential hash, so that an idle check-in authenticates without a
 * query. Only where this process is the only writer (SQLite): every write to a computer
 * row goes through the repositories, which update or drop the entry as they write
 * (a revoke or a re-image drops it before the call returns, so the old credential is
 * refused at once). On PostgreSQL another replica may write any row at any check-in:
 * no cache there. A read that began before a drop does not put back what it read.
 */
export class ComputerCache {
  private readonly byHash = new Map<string, ComputerRecord>();
  private readonly hashOf = new Map<string, string>();
  private drops = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  get(credentialHash: string): ComputerRecord | undefined {
    return this.byHash.get(credentialHash);
  }

  /** A mark to give `put`: what was read after it may be kept. */
  mark(): number {
    return this.drops;
  }

  put(record: ComputerRecord, mark: number): void {
    if (mark !== this.drops) return;
    const old = this.hashOf.get(record.id);
    if (old !== undefined && old !== record.credentialHash) this.byHash.delete(old);
    if (this.byHash.size >= this.capacity && !this.byHash.has(record.credentialHash)) {
      const first = this.byHash.keys().next();
      if (!first.done) {
        const evicted = this.byHash.get(first.value);
        this.byHash.delete(first.value);
        if (evicted) this.hashOf.delete(evicted.id);
      }
    }
    this.byHash.set(record.credentialHash, record);
    this.hashOf.set(record.id, record.credentialHash);
  }

  /** Changes a kept row in place (a check-in's own writes); nothing when it is not kept. */
  update(computerId: string, change: (record: ComputerRecord) => ComputerRecord): void {
    const hash = this.hashOf.get(computerId);
    const record = hash === undefined ? undefined : this.byHash.get(hash);
    if (hash !== undefined && record) this.byHash.set(hash, change(record));
  }

  /** Forgets a computer whose row changed in a way only the database knows. */
  drop(computerId: string): void {
    this.drops++;
    const hash = this.hashOf.get(computerId);
    if (hash !== undefined) this.byHash.delete(hash);
    this.hashOf.delete(computerId);
  }
}
