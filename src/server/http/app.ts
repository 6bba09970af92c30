import { createServer as createHttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyServerFactory,
  type FastifyServerOptions,
} from 'fastify';
import { buildOpenApi } from '../../contracts/openapi.js';
import { serviceRoutes } from '../../contracts/routes.js';
import type { Services } from '../services/index.js';
import type { SheddingLimits } from '../shedding/admission.js';
import { installShedding, type Shedder } from '../shedding/shedding.js';
import { registerAdminRoutes } from './admin.routes.js';
import { registerAgentRoutes } from './agent.routes.js';
import { defaultConsoleDir, installConsole } from './console.js';
import { installErrorHandler, type NotFoundFallback } from './error-handler.js';
import { registerRoutes } from './register.js';

export type AppOptions = {
  logger?: FastifyServerOptions['logger'];
  version?: string;
  /** The server's clock, which may be virtual (--time-scale): /healthz tells it. */
  now?: () => number;
  /** Serve HTTPS with this certificate and key (PEM); default plain HTTP. */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Sheds overload per route class; without it every request is served. */
  shedding?: { shedder: Shedder; limits: SheddingLimits };
  /** The built web console to serve at `/`; default dist/web; null: none. */
  consoleDir?: string | null;
};

/** The HTTP app, with no port of its own: tests drive it with `app.inject()`. */
export function buildApp(services: Services, options: AppOptions = {}): FastifyInstance {
  const tls = options.tls;
  // An https.Server is an http.Server to Fastify: same handler, same upgrade and close paths.
  const serverFactory: FastifyServerFactory | undefined = tls
    ? (handler) => createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : undefined;
  const app = Fastify({
    ...(serverFactory ? { serverFactory } : {}),
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024 * 1024,
    // Admin calls are logged; the fleet's check-ins would drown them.
    logController: new LogController({
      disableRequestLogging: (request) =>
        request.url.startsWith('/agent/') || request.url === '/healthz',
    }),
  });
  if (options.shedding) installShedding(app, options.shedding.shedder, options.shedding.limits);
  const pages = installConsole(
    app,
    options.consoleDir === undefined ? defaultConsoleDir() : options.consoleDir,
  );
  installRoutes(app, services, { ...options, pages });
  return app;
}

/** Every declared route, the error mapper and the shutdown hook, on an app. */
export function installRoutes(
  app: FastifyInstance,
  services: Services,
  options: Pick<AppOptions, 'version' | 'now'> & { pages?: NotFoundFallback | null } = {},
): void {
  installErrorHandler(app, options.pages);
  // Open push streams would hold the server open at shutdown.
  app.addHook('preClose', (done) => {
    services.hub.closeAll();
    done();
  });
  // Every answered check-in, shed or served, for the check-in rate and latency.
  app.addHook('onResponse', (request, reply, done) => {
    if ((request.routeOptions.config as { route?: string }).route === 'checkin') {
      services.metrics.checkin(reply.statusCode, reply.elapsedTime / 1000);
    }
    done();
  });
  const now = options.now ?? (() => Date.now());
  const openApi = buildOpenApi(options.version ?? '0.0.0');
  registerRoutes(
    app,
    serviceRoutes,
    {
      health: () => ({
        status: 'ok' as const,
        time: new Date(now()).toISOString(),
        pushConnected: services.hub.connected,
        engineLeader: services.engine.isLeader,
      }),
      metrics: async ({ reply }) => {
        const text = await services.metrics.render();
        void reply.type(services.metrics.contentType);
        return text;
      },
      openApi: () => openApi,
    },
    () => services.auth,
  );
  registerAgentRoutes(app, services);
  registerAdminRoutes(app, services);
}
