import type { distributionRoutes } from '../../contracts/distribution-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Sites, distribution points and the content status of deployments. */
export function distributionHandlers(services: Services): RouteHandlers<typeof distributionRoutes> {
  const { distribution, sites } = services;
  return {
    listSites: ({ query }) => distribution.sites(query),
    listSiteRules: () => sites.list(),
    addSiteRule: ({ body, actor }) => sites.add(body, actor.name),
    removeSiteRule: ({ params }) => sites.remove(params.id),
    listPoints: ({ query }) => {
      const { site, ...page } = query;
      return distribution.list(page, site);
    },
    registerPoint: ({ body }) => distribution.register(body),
    removePoint: ({ params }) => distribution.remove(params.id),
    contentStatus: ({ query }) => distribution.contentStatus(query.deployment),
  };
}
