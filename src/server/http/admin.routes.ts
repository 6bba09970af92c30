import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/index.js';
import { adminGuard } from './auth.js';
import { registerCatalogRoutes } from './catalog.routes.js';
import { registerDeploymentRoutes } from './deployment.routes.js';
import { registerFleetRoutes } from './fleet.routes.js';

/** The admin API: every call authenticated with an admin token; the logic is in the services. */
export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  void app.register((api, _opts, done) => {
    api.addHook('onRequest', adminGuard(services.auth));
    registerCatalogRoutes(api, services);
    registerFleetRoutes(api, services);
    registerDeploymentRoutes(api, services);
    done();
  });
}
