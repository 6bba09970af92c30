/** The most computers kept as reached by nothing; past it the set starts again. */
const DEFAULT_CAPACITY = 500_000;

/** What a write tells of what reaches computers: these computers changed, or any (null). */
export type ReachChange = readonly string[] | null;

/** What a repository that writes deployments, phases or placements tells. */
export interface ReachSink {
  /** Resolves once the other replicas have been told (before any wake-up that follows). */
  changed(computerIds: ReachChange): Promise<void>;
}

/**
 * The computers no deployment reaches (reachingForComputer found nothing), so that an
 * idle check-in asks the database nothing. Every write that can change what reaches a
 * computer (a deployment's state or action, a phase opening, a placement) tells it once
 * committed: a placement forgets its computers, anything else forgets all. Other
 * replicas hear it through the coordination broadcast (`announce`) and forget the same.
 * A read that began before a change does not keep what it read.
 */
export class ReachCache implements ReachSink {
  private readonly none = new Set<string>();
  private generation = 0;
  /** Set by the server: tells the other replicas (the coordination broadcast). */
  announce: ((change: ReachChange) => Promise<void>) | null = null;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** A mark to give `keepNone`: what was read after it may be kept. */
  mark(): number {
    return this.generation;
  }

  reachedByNothing(computerId: string): boolean {
    return this.none.has(computerId);
  }

  keepNone(computerId: string, mark: number): void {
    if (mark !== this.generation) return;
    if (this.none.size >= this.capacity) this.none.clear();
    this.none.add(computerId);
  }

  /** A committed write in this process: forget, and tell the other replicas. */
  async changed(computerIds: ReachChange): Promise<void> {
    this.forget(computerIds);
    await this.announce?.(computerIds);
  }

  /** Another replica's write (or this one's, echoed back): forget. */
  forget(computerIds: ReachChange): void {
    this.generation++;
    if (computerIds === null) this.none.clear();
    else for (const id of computerIds) this.none.delete(id);
  }
}

/**
 * The reach sink of repositories inside a transaction: changes are told once the
 * transaction commits (`commit`), never before, so no replica can read the old rows
 * after forgetting and keep them.
 */
export class DeferredReach implements ReachSink {
  private readonly changes: ReachChange[] = [];

  constructor(private readonly target: ReachSink) {}

  changed(computerIds: ReachChange): Promise<void> {
    this.changes.push(computerIds);
    return Promise.resolve();
  }

  async commit(): Promise<void> {
    if (this.changes.length === 0) return;
    const ids = new Set<string>();
    for (const change of this.changes) {
      if (change === null) return await this.target.changed(null);
      for (const id of change) ids.add(id);
    }
    await this.target.changed([...ids]);
  }
}
