import type { DurableStore } from './core/host.js';
import type { ServerSwitch } from './core/server-list.js';

/** The state-dir key: `servers.json`. */
const KEY = 'servers';

/** What `agent status` shows of the servers: as the running agent last wrote it. */
export interface ServerState {
  /** Every server the agent was given, in order. */
  servers: string[];
  /** The one calls go to first now. */
  current: string;
  /** Since when (the start, or the last failover). */
  since: string;
  /** The last failover: from which server, and why. */
  switched: { from: string; reason: string } | null;
  /** The server holding the push channel, null while it is not held. */
  push: string | null;
}

/** Keeps `servers.json` up to date; writes go one after another, the last one wins. */
export class ServerStateFile {
  private state: ServerState;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DurableStore,
    servers: readonly string[],
    current: string,
    private readonly now: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {
    this.state = {
      servers: [...servers],
      current,
      since: now().toISOString(),
      switched: null,
      push: null,
    };
    this.write();
  }

  switched(change: ServerSwitch): void {
    this.state = {
      ...this.state,
      current: change.to,
      since: this.now().toISOString(),
      switched: { from: change.from, reason: change.reason },
    };
    this.write();
  }

  push(server: string | null): void {
    if (this.state.push === server) return;
    this.state = { ...this.state, push: server };
    this.write();
  }

  /** Resolves once every write asked for so far is done. */
  async flushed(): Promise<void> {
    await this.writing;
  }

  private write(): void {
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    this.writing = this.writing
      .then(() => this.store.put(KEY, text))
      .catch((error: unknown) => this.onError(error));
  }
}

/** The servers as the agent last wrote them; null before its first start with this version. */
export async function readServerState(store: DurableStore): Promise<ServerState | null> {
  const raw = await store.get(KEY);
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<ServerState>;
    if (Array.isArray(value.servers) && typeof value.current === 'string') {
      return {
        servers: value.servers.filter((s): s is string => typeof s === 'string'),
        current: value.current,
        since: typeof value.since === 'string' ? value.since : '',
        switched: value.switched ?? null,
        push: typeof value.push === 'string' ? value.push : null,
      };
    }
  } catch {
    // Damaged: as good as none; the agent rewrites it at its next start.
  }
  return null;
}
