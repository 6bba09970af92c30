import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../domain/clock.js';
import { migrateToLatest, openStore, type Store } from '../store/db.js';
import { createRepositories } from '../store/repositories.js';
import { version } from '../version.js';
import { buildApp } from './http/app.js';
import { createServices, type Services } from './services/index.js';

export type ServerOptions = {
  dataDir: string;
  /** PostgreSQL URL; default: SQLite in the data directory. */
  databaseUrl?: string | undefined;
  databaseSchema?: string | undefined;
  clock?: Clock;
  checkinIntervalSeconds?: number;
  adminTokenFromEnv?: string | undefined;
  logger?: boolean;
};

export type RunningServer = {
  app: FastifyInstance;
  services: Services;
  store: Store;
  /** Set only at the first start, when the first admin token was created. */
  firstAdminToken: { token: string; generated: boolean; file: string | null } | null;
  close(): Promise<void>;
};

/** Opens the database, migrates it, wires the services and builds the app (not listening yet). */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const store = openStore({
    url: options.databaseUrl ?? path.join(options.dataDir, 'ringmaster.db'),
    schema: options.databaseSchema,
  });
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const services = createServices(createRepositories(store.db), {
    clock,
    contentDir: path.join(options.dataDir, 'content'),
    checkinIntervalSeconds: options.checkinIntervalSeconds ?? 300,
  });
  const firstAdminToken = await services.auth.bootstrapAdmin(
    options.dataDir,
    options.adminTokenFromEnv,
  );
  const app = buildApp(services, {
    logger: options.logger ?? false,
    version,
    now: () => clock.now(),
  });
  return {
    app,
    services,
    store,
    firstAdminToken,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
