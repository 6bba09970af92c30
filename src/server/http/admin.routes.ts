import type { FastifyInstance } from 'fastify';
import { catalogRoutes, fleetRoutes } from '../../contracts/admin-routes.js';
import { deploymentRoutes } from '../../contracts/deployment-routes.js';
import { keyRoutes } from '../../contracts/key-routes.js';
import type { Services } from '../services/index.js';
import { catalogHandlers } from './catalog.routes.js';
import { deploymentHandlers } from './deployment.routes.js';
import { fleetHandlers } from './fleet.routes.js';
import { keyHandlers } from './key.routes.js';
import { registerRoutes } from './register.js';

/** The admin API: every call authenticated with an admin token; the logic is in the services. */
export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  void app.register((api, _opts, done) => {
    // Uploads arrive as a stream; only the admin API takes raw bytes.
    api.addContentTypeParser('application/octet-stream', (_req, payload, next) =>
      next(null, payload),
    );
    const auth = () => services.auth;
    registerRoutes(api, catalogRoutes, catalogHandlers(services), auth);
    registerRoutes(api, fleetRoutes, fleetHandlers(services), auth);
    registerRoutes(api, deploymentRoutes, deploymentHandlers(services), auth);
    registerRoutes(api, keyRoutes, keyHandlers(services), auth);
    done();
  });
}
