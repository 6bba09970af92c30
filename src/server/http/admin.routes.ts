import type { FastifyInstance } from 'fastify';
import { catalogRoutes, fleetRoutes } from '../../contracts/admin-routes.js';
import { auditRoutes } from '../../contracts/audit-routes.js';
import { baselineRoutes } from '../../contracts/baseline-routes.js';
import { deploymentRoutes } from '../../contracts/deployment-routes.js';
import { peopleRoutes } from '../../contracts/people-routes.js';
import { reportRoutes } from '../../contracts/report-routes.js';
import { reviewRoutes } from '../../contracts/review-routes.js';
import { scanRoutes } from '../../contracts/scan-routes.js';
import { keyRoutes } from '../../contracts/key-routes.js';
import { bundleRoutes } from '../../contracts/bundle-routes.js';
import { announceRoutes } from '../../contracts/announce-routes.js';
import { distributionRoutes } from '../../contracts/distribution-routes.js';
import { distributionHandlers } from './distribution.routes.js';
import {
  childRoutes,
  upstreamRoutes,
  upstreamStatusRoutes,
} from '../../contracts/upstream-routes.js';
import { childHandlers, upstreamHandlers, upstreamStatusHandlers } from './upstream.routes.js';
import type { Services } from '../services/index.js';
import { announceHandlers } from './announce.routes.js';
import { auditHandlers } from './audit.routes.js';
import { auditSink } from './audit-specs.js';
import { baselineHandlers } from './baseline.routes.js';
import { catalogHandlers } from './catalog.routes.js';
import { deploymentHandlers } from './deployment.routes.js';
import { fleetHandlers } from './fleet.routes.js';
import { peopleHandlers } from './people.routes.js';
import { keyHandlers } from './key.routes.js';
import { bundleHandlers } from './bundle.routes.js';
import { registerRoutes } from './register.js';
import { reportHandlers } from './report.routes.js';
import { reviewHandlers } from './review.routes.js';
import { scanHandlers } from './scan.routes.js';

/** The admin API: every call authenticated with a person's token; the logic is in the services. */
export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  void app.register((api, _opts, done) => {
    // Uploads arrive as a stream; only the admin API takes raw bytes.
    api.addContentTypeParser('application/octet-stream', (_req, payload, next) =>
      next(null, payload),
    );
    const auth = () => services.auth;
    // Every mutating call, and every read of the audit log, leaves an audit entry.
    const audit = auditSink(services);
    registerRoutes(api, catalogRoutes, catalogHandlers(services), auth, audit);
    registerRoutes(api, fleetRoutes, fleetHandlers(services), auth, audit);
    registerRoutes(api, deploymentRoutes, deploymentHandlers(services), auth, audit);
    registerRoutes(api, auditRoutes, auditHandlers(services), auth, audit);
    registerRoutes(api, reportRoutes, reportHandlers(services), auth, audit);
    registerRoutes(api, reviewRoutes, reviewHandlers(services), auth, audit);
    registerRoutes(api, peopleRoutes, peopleHandlers(services), auth, audit);
    registerRoutes(api, scanRoutes, scanHandlers(services), auth, audit);
    registerRoutes(api, keyRoutes, keyHandlers(services), auth, audit);
    registerRoutes(api, bundleRoutes, bundleHandlers(services), auth, audit);
    registerRoutes(api, baselineRoutes, baselineHandlers(services), auth, audit);
    registerRoutes(api, announceRoutes, announceHandlers(services), auth, audit);
    registerRoutes(api, distributionRoutes, distributionHandlers(services), auth, audit);
    registerRoutes(api, childRoutes, childHandlers(services), auth, audit);
    registerRoutes(api, upstreamRoutes, upstreamHandlers(services), auth, audit);
    registerRoutes(api, upstreamStatusRoutes, upstreamStatusHandlers(services), auth, audit);
    done();
  });
}
