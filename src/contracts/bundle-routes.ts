import { importBundleQuery, importBundleView } from './bundle.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** Bundles: a tested deployment exported from one server and imported into another. */
export const bundleRoutes = {
  exportDeployment: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/bundle',
    summary:
      "A signed bundle (tar) of the deployment: its updates' manifests and files and its plan",
    auth: 'admin',
    permission: 'deploy',
    params: idParams,
    response: 'octet-stream',
  }),
  importBundle: route({
    method: 'POST',
    path: '/api/v1/bundles',
    summary:
      'Import a bundle: check its signature and hashes, import its updates, approve its plan (dryRun: report only)',
    auth: 'admin',
    query: importBundleQuery,
    body: 'octet-stream',
    response: importBundleView,
    status: 201,
    otherResponses: { 200: 'a dry run: nothing was stored' },
  }),
};
