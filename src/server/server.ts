import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../clock.js';
import { createCoordination, type Coordination } from '../store/coordination.js';
import { migrateToLatest, openStore, type Store } from '../store/db.js';
import { ComputerCache } from '../store/computer-cache.js';
import { ReachCache } from '../store/reach-cache.js';
import { createRepositories, transactor, type Shared } from '../store/repositories.js';
import { SeenWriter } from '../store/seen-writer.js';
import { version } from '../version.js';
import { DEFAULT_ANNOUNCE, type AnnounceOptions } from './announce/announcer.js';
import { buildApp } from './http/app.js';
import { createServices, type Services } from './services/index.js';
import { DatabaseContentStore } from './content/database-content-store.js';
import type { OidcOptions } from './services/oidc.service.js';
import type { SignInLimits } from './services/signin-limiter.js';
import type { TlsFiles } from './tls.js';
import type { UpstreamOptions } from './upstream/upstream-sync.js';
import { DEFAULT_SHEDDING, type SheddingLimits } from './shedding/admission.js';
import { createShedder, type Shedder } from './shedding/shedding.js';

export type ServerOptions = {
  dataDir: string;
  /** PostgreSQL URL; default: SQLite in the data directory. */
  databaseUrl?: string | undefined;
  databaseSchema?: string | undefined;
  clock?: Clock;
  checkinIntervalSeconds?: number;
  adminTokenFromEnv?: string | undefined;
  logger?: boolean;
  /** Real milliseconds between rollout engine ticks; 0 = no timer (tests call run()). */
  engineIntervalMs?: number;
  /** Auto-approve a claimed re-image after this much silence (same group only); default never. */
  reimageAutoApproveAfterSeconds?: number | null;
  /** Serve HTTPS with this certificate and key (see readTlsFiles); default plain HTTP. */
  tls?: TlsFiles | null;
  /** Overload limits per route class; default DEFAULT_SHEDDING. */
  shedding?: SheddingLimits;
  /** Sign-in through an OpenID Connect provider; default off. */
  oidc?: OidcOptions | null;
  /** Failed sign-ins allowed per user name and address (in memory, per process). */
  signInLimits?: SignInLimits;
  /** The built web console served at `/`; default dist/web beside the server; null: none. */
  consoleDir?: string | null;
  /** Who is told deployments' schedules, over which SMTP server; default: no e-mail. */
  announce?: AnnounceOptions;
  /** Make this server a child of a parent server; default: none. */
  upstream?: UpstreamOptions | null;
};

export type RunningServer = {
  app: FastifyInstance;
  services: Services;
  store: Store;
  /** The gates that shed overload, one per route class. */
  shedder: Shedder;
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
    await migrateToLatest(store.db, store.postgres?.schema);
  } catch (error) {
    await store.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const coordination = createCoordination(store);
  let log: FastifyInstance['log'] | null = null;
  const shared: Shared = {
    seen: new SeenWriter(store.db, store.engine, 1000, (err) =>
      log?.error({ err }, 'writing check-in times failed'),
    ),
    // Only SQLite has one writer, this process: on PostgreSQL any replica writes rows.
    computers: store.engine === 'sqlite' ? new ComputerCache() : null,
    reach: new ReachCache(),
  };
  shareReach(shared.reach!, coordination);
  const services = createServices(createRepositories(store.db, shared), {
    clock,
    contentDir: path.join(options.dataDir, 'content'),
    contentInDatabase: store.engine === 'postgres',
    checkinIntervalSeconds: options.checkinIntervalSeconds ?? 300,
    coordination,
    engineIntervalMs: options.engineIntervalMs ?? 1000,
    logError: (err, message) => log?.error({ err }, message),
    transaction: transactor(store.db, shared),
    reimageAutoApproveAfterSeconds: options.reimageAutoApproveAfterSeconds ?? null,
    oidc: options.oidc ?? null,
    // Without announce options no e-mail is sent; the pass runs at the engine's pace.
    announce: options.announce ?? {
      ...DEFAULT_ANNOUNCE,
      intervalMs: options.engineIntervalMs ?? DEFAULT_ANNOUNCE.intervalMs,
    },
    ...(options.signInLimits ? { signInLimits: options.signInLimits } : {}),
    upstream: options.upstream ?? null,
  });
  const firstAdminToken = await services.auth.bootstrapAdmin(
    options.dataDir,
    options.adminTokenFromEnv,
  );
  const limits = options.shedding ?? DEFAULT_SHEDDING;
  const shedder = createShedder(limits);
  const app = buildApp(services, {
    logger: options.logger ?? false,
    shedding: { shedder, limits },
    version,
    now: () => clock.now(),
    tls: options.tls ?? null,
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
  });
  log = app.log;
  if ((options.engineIntervalMs ?? 1000) > 0) services.engine.start();
  // Files recorded when content was per directory move into the database, in the background.
  const adopting =
    services.content instanceof DatabaseContentStore
      ? services.content
          .adoptLocalCopies()
          .then((n) => {
            if (n > 0)
              app.log.info(`content: ${n} files of the data directory stored in the database`);
          })
          .catch((error: unknown) => app.log.error({ err: error }, 'content: adoption failed'))
      : Promise.resolve();
  services.announcer.start();
  services.upstream?.start();
  return {
    app,
    services,
    store,
    shedder,
    firstAdminToken,
    async close() {
      await services.upstream?.stop();
      await services.engine.stop();
      await services.announcer.stop();
      await app.close();
      // The last check-ins' times, before the database closes.
      await shared.seen?.close();
      shedder.stop();
      services.metrics.stop();
      await coordination.close();
      await services.content.close();
      await adopting;
      await store.close();
    },
  };
}

/** A reach message: what reaches these computers (or any, null) changed on some replica. */
type ReachMessage = { reach: string[] | null };
/** A NOTIFY payload holds under 8000 bytes: more computers than this say "any". */
const REACH_IDS_PER_MESSAGE = 100;

/** Every replica forgets what a write on any of them changed (LISTEN/NOTIFY or in-process). */
function shareReach(reach: ReachCache, coordination: Coordination): void {
  reach.announce = async (change) => {
    const message: ReachMessage = {
      reach: change !== null && change.length <= REACH_IDS_PER_MESSAGE ? [...change] : null,
    };
    await coordination.publish(JSON.stringify(message));
  };
  // A LISTEN connection that came back may have missed messages: forget everything.
  coordination.onListening(() => reach.forget(null));
  coordination.onMessage((text) => {
    if (!text.startsWith('{"reach"')) return;
    try {
      reach.forget((JSON.parse(text) as ReachMessage).reach);
    } catch {
      reach.forget(null);
    }
  });
}
