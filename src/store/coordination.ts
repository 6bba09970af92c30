import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Store } from './db.js';
import type { Database } from './schema.js';

/**
 * What several server replicas on one PostgreSQL need: one leader for the rollout
 * engine (an advisory lock held by a dedicated connection) and a broadcast for
 * wake-ups (LISTEN/NOTIFY). On SQLite there is one process: it leads and the
 * broadcast is in-process.
 */
export type Coordination = {
  /** True while this process holds the engine's lock; tries to take it when free. */
  tryLead(): Promise<boolean>;
  publish(message: string): Promise<void>;
  onMessage(handler: (message: string) => void): void;
  /**
   * Called each time the broadcast (re)starts listening: messages sent while it was
   * down are lost, so what was learnt from them must be forgotten. Never in-process.
   */
  onListening(handler: () => void): void;
  close(): Promise<void>;
};

/** One lock and one channel per schema: several installations may share a database. */
function lockKey(schema: string | undefined): number {
  let h = 72_700_001;
  for (const c of schema ?? 'public') h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

function channelName(schema: string | undefined): string {
  return `ringmaster_wake_${(schema ?? 'public').replace(/[^a-z0-9_]/gi, '_')}`.slice(0, 63);
}

export function createCoordination(store: Store): Coordination {
  return store.postgres
    ? new PostgresCoordination(store.postgres, store.db)
    : new LocalCoordination();
}

class LocalCoordination implements Coordination {
  private readonly handlers: ((message: string) => void)[] = [];

  tryLead(): Promise<boolean> {
    return Promise.resolve(true);
  }

  publish(message: string): Promise<void> {
    for (const handler of this.handlers) handler(message);
    return Promise.resolve();
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }

  onListening(): void {
    // One process: no message is ever lost.
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class PostgresCoordination implements Coordination {
  private lockClient: pg.Client | null = null;
  private listenClient: pg.Client | null = null;
  /**
   * Set when the first handler comes, before the connection is up: a second handler
   * registered meanwhile must not open a second LISTEN (every message came twice).
   */
  private listening = false;
  private leading = false;
  private readonly handlers: ((message: string) => void)[] = [];
  private readonly listeners: (() => void)[] = [];
  private closed = false;
  private readonly lockKey: number;
  private readonly channel: string;

  constructor(
    private readonly config: { url: string; schema?: string | undefined },
    private readonly db: Kysely<Database>,
  ) {
    this.lockKey = lockKey(config.schema);
    this.channel = channelName(config.schema);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.config.url });
    await client.connect();
    return client;
  }

  async tryLead(): Promise<boolean> {
    if (this.closed) return false;
    try {
      if (!this.lockClient) {
        const client = await this.connect();
        // A dropped connection releases the lock on the server; forget it here too.
        client.on('error', () => this.dropLock(client));
        client.on('end', () => this.dropLock(client));
        this.lockClient = client;
      }
      if (this.leading) {
        await this.lockClient.query('select 1');
        return true;
      }
      const result = await this.lockClient.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1) as locked',
        [this.lockKey],
      );
      this.leading = result.rows[0]?.locked === true;
      return this.leading;
    } catch {
      if (this.lockClient) this.dropLock(this.lockClient);
      return false;
    }
  }

  private dropLock(client: pg.Client): void {
    if (this.lockClient !== client) return;
    this.lockClient = null;
    this.leading = false;
    client.end().catch(() => undefined);
  }

  async publish(message: string): Promise<void> {
    await sql`select pg_notify(${this.channel}, ${message})`.execute(this.db);
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
    if (this.listening || this.closed) return;
    this.listening = true;
    void this.listen();
  }

  onListening(handler: () => void): void {
    this.listeners.push(handler);
    if (!this.listening && !this.closed) {
      this.listening = true;
      void this.listen();
    }
  }

  private async listen(): Promise<void> {
    try {
      const client = await this.connect();
      this.listenClient = client;
      client.on('notification', (n) => {
        if (n.channel !== this.channel || n.payload === undefined) return;
        for (const h of this.handlers) h(n.payload);
      });
      const reconnect = () => {
        if (this.listenClient !== client) return;
        this.listenClient = null;
        if (!this.closed) setTimeout(() => void this.listen(), 1000).unref();
      };
      client.on('error', reconnect);
      client.on('end', reconnect);
      await client.query(`listen ${this.channel}`);
      for (const l of this.listeners) l();
    } catch {
      this.listenClient = null;
      if (!this.closed) setTimeout(() => void this.listen(), 1000).unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [this.lockClient, this.listenClient].filter((c): c is pg.Client => c !== null);
    this.lockClient = null;
    this.listenClient = null;
    this.leading = false;
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
