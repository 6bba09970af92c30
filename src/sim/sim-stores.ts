import type { ContentStore, DurableStore, FileDigest, PartialFile } from '../agent/core/host.js';
import type { LocalUserChannel, PendingView, UserRequest } from '../agent/core/local-user.js';
import { emptyMemory } from '../agent/core/memory.js';
import type { SimComputer, SimContext } from './sim-computer.js';

/** The simulated computer's stores and its person, all kept on its SimComputer. */

export const WORK_ROOT = '/sim/work/';
const EMPTY_MEMORY = JSON.stringify(emptyMemory());

/**
 * The person at the computer: approves each download or install the agent asks about,
 * after a while (`approvalMs`), as people do.
 */
export class SimUser implements LocalUserChannel {
  constructor(
    private readonly c: SimComputer,
    private readonly ctx: SimContext,
  ) {}

  requests(): Promise<UserRequest[]> {
    const now = this.ctx.now();
    const due = (this.c.approvals ?? []).filter((a) => a.at <= now);
    return Promise.resolve(
      due.map((a) => ({
        id: `${a.updateId}:${a.stage}`,
        kind: 'approve' as const,
        updateId: a.updateId,
        stage: a.stage,
        requestedAt: new Date(a.at).toISOString(),
        by: 'simulated user',
      })),
    );
  }

  consume(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    const left = (this.c.approvals ?? []).filter((a) => !gone.has(`${a.updateId}:${a.stage}`));
    this.c.approvals = left.length > 0 ? left : null;
    return Promise.resolve();
  }

  publish(view: PendingView): Promise<void> {
    const c = this.c;
    for (const u of view.updates) {
      if (u.approved) continue;
      const stage =
        u.waitingFor === 'download-approval'
          ? 'download'
          : u.waitingFor === 'install-approval'
            ? 'install'
            : null;
      if (stage === null) continue;
      if (c.approvals?.some((a) => a.updateId === u.updateId && a.stage === stage)) continue;
      (c.approvals ??= []).push({
        updateId: u.updateId,
        stage,
        at: this.ctx.now() + this.ctx.approvalMs(c),
      });
    }
    return Promise.resolve();
  }
}

export class SimStorage implements DurableStore {
  constructor(private readonly c: SimComputer) {}

  get(key: string): Promise<string | null> {
    const c = this.c;
    switch (key) {
      case 'credential':
        return Promise.resolve(c.credential);
      case 'outbox':
        return Promise.resolve(c.outbox);
      case 'memory':
        return Promise.resolve(c.memory);
      default:
        return Promise.resolve(c.otherKeys?.get(key) ?? null);
    }
  }

  put(key: string, value: string): Promise<void> {
    this.set(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.set(key, null);
    return Promise.resolve();
  }

  private set(key: string, value: string | null): void {
    const c = this.c;
    switch (key) {
      case 'credential':
        c.credential = value;
        return;
      case 'outbox':
        c.outbox = value;
        return;
      case 'memory':
        // Most computers remember nothing: keep no string for that.
        c.memory = value === EMPTY_MEMORY ? null : value;
        return;
      default:
        if (value === null) c.otherKeys?.delete(key);
        else (c.otherKeys ??= new Map()).set(key, value);
    }
  }
}

/**
 * Content without bytes: a download through the simulator's client marks the partial
 * copy complete with the file's digest, so the core's verification passes.
 */
export class SimPartial implements PartialFile {
  constructor(
    private readonly c: SimComputer,
    private readonly sha256: string,
  ) {}

  get size(): number {
    return this.c.partial?.get(this.sha256)?.size ?? 0;
  }

  append(chunk: Uint8Array): Promise<void> {
    const map = (this.c.partial ??= new Map<string, { size: number; complete: boolean }>());
    const entry = map.get(this.sha256) ?? { size: 0, complete: false };
    entry.size += chunk.byteLength;
    map.set(this.sha256, entry);
    return Promise.resolve();
  }

  /** The simulated transfer is done: the copy is whole and matches. */
  complete(size: number): void {
    (this.c.partial ??= new Map()).set(this.sha256, { size, complete: true });
  }

  reset(): Promise<void> {
    this.c.partial?.delete(this.sha256);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class SimContent implements ContentStore {
  constructor(private readonly c: SimComputer) {}

  cached(sha256: string): Promise<FileDigest | null> {
    const size = this.c.cached?.get(sha256);
    return Promise.resolve(size === undefined ? null : { sha256, size });
  }

  openPartial(sha256: string): Promise<PartialFile> {
    return Promise.resolve(new SimPartial(this.c, sha256));
  }

  digestPartial(sha256: string): Promise<FileDigest | null> {
    const entry = this.c.partial?.get(sha256);
    if (!entry) return Promise.resolve(null);
    return Promise.resolve({ sha256: entry.complete ? sha256 : 'incomplete', size: entry.size });
  }

  promotePartial(sha256: string): Promise<void> {
    const entry = this.c.partial?.get(sha256);
    if (entry) {
      this.c.partial?.delete(sha256);
      if (this.c.partial?.size === 0) this.c.partial = null;
      (this.c.cached ??= new Map()).set(sha256, entry.size);
    }
    return Promise.resolve();
  }

  discard(sha256: string): Promise<void> {
    this.c.cached?.delete(sha256);
    this.c.partial?.delete(sha256);
    return Promise.resolve();
  }

  prune(keep: ReadonlySet<string>): Promise<void> {
    const c = this.c;
    for (const map of [c.cached, c.partial]) {
      if (!map) continue;
      for (const sha of [...map.keys()]) if (!keep.has(sha)) map.delete(sha);
    }
    if (c.cached?.size === 0) c.cached = null;
    if (c.partial?.size === 0) c.partial = null;
    return Promise.resolve();
  }

  createWorkDir(updateId: string): Promise<string> {
    return Promise.resolve(`${WORK_ROOT}${updateId}`);
  }

  fillWorkDir(): Promise<void> {
    return Promise.resolve();
  }

  removeWorkDir(): Promise<void> {
    return Promise.resolve();
  }
}
