import type { bundleRoutes } from '../../contracts/bundle-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Export streams the bundle; import reads the uploaded one. */
export function bundleHandlers(services: Services): RouteHandlers<typeof bundleRoutes> {
  const { bundles } = services;
  return {
    exportDeployment: async ({ params, reply }) => {
      const bundle = await bundles.exportBundle(params.id);
      void reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${params.id}.bundle.tar"`);
      return bundle;
    },
    importBundle: async ({ body, query, actor, reply }) => {
      const report = await bundles.importBundle(body, query, actor.name);
      if (report.dryRun) reply.status(200);
      return report;
    },
  };
}
