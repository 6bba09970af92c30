import { createServer, type RunningServer } from '../../src/server/server.js';
import type { Clock } from '../../src/domain/clock.js';
import { DEFAULT_SHEDDING, type SheddingLimits } from '../../src/server/shedding/admission.js';
import { freshDatabase, type EngineName } from './engines.js';
import type { OidcOptions } from '../../src/server/services/oidc.service.js';
import type { AnnounceOptions } from '../../src/server/announce/announcer.js';
import type { SignInLimits } from '../../src/server/services/signin-limiter.js';
import type { UpstreamOptions } from '../../src/server/upstream/upstream-sync.js';

export const ADMIN_TOKEN = 'rm_admin_test-token-0123456789';

export type TestServer = RunningServer & {
  adminHeaders: { authorization: string };
  dataDir: string;
  stop(): Promise<void>;
};

/** The whole server in-process on a fresh database, driven with `app.inject()`. */
export async function startTestServer(
  engine: EngineName,
  clock?: Clock,
  options: {
    engineIntervalMs?: number;
    checkinIntervalSeconds?: number;
    reimageAutoApproveAfterSeconds?: number;
    shedding?: SheddingLimits;
    oidc?: OidcOptions;
    signInLimits?: SignInLimits;
    consoleDir?: string | null;
    announce?: AnnounceOptions;
    upstream?: UpstreamOptions;
  } = {},
): Promise<TestServer> {
  const database = await freshDatabase(engine);
  const server = await createServer({
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    databaseSchema: database.schema,
    adminTokenFromEnv: ADMIN_TOKEN,
    ...(clock ? { clock } : {}),
    // In-process suites share a busy event loop: shed on counts only, never on lag.
    shedding: {
      ...DEFAULT_SHEDDING,
      checkin: { ...DEFAULT_SHEDDING.checkin, maxLagMs: null },
      report: { ...DEFAULT_SHEDDING.report, maxLagMs: null },
      admin: { ...DEFAULT_SHEDDING.admin, maxLagMs: null },
    },
    ...options,
  });
  await server.app.ready();
  return {
    ...server,
    adminHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
    dataDir: database.dataDir,
    async stop() {
      await server.close();
      await database.drop();
    },
  };
}
