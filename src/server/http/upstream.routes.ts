import type {
  childRoutes,
  upstreamRoutes,
  upstreamStatusRoutes,
} from '../../contracts/upstream-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** A parent's children, for its admins. */
export function childHandlers(services: Services): RouteHandlers<typeof childRoutes> {
  const { children } = services;
  return {
    listChildren: () => children.list(),
    addChild: ({ body }) => children.add(body.name),
    enableChild: ({ params, body, actor }) => children.setEnabled(params.name, body, true, actor),
    holdChild: ({ params, body, actor }) => children.setEnabled(params.name, body, false, actor),
    childComputers: ({ params, query }) => children.computers(params.name, query),
    deploymentTree: ({ params }) => children.tree(params.id),
  };
}

/** What a child calls at its parent; the token names the child. */
export function upstreamHandlers(services: Services): RouteHandlers<typeof upstreamRoutes> {
  const { children } = services;
  return {
    upstreamHello: ({ actor }) => children.hello(actor),
    upstreamChanges: ({ actor, query }) => children.changes(actor, query),
    upstreamBundle: async ({ actor, params, reply }) => {
      const bundle = await children.bundle(actor, params.id);
      void reply.type('application/octet-stream');
      return bundle;
    },
    upstreamReport: ({ actor, body }) => children.report(actor, body),
    upstreamStatuses: ({ actor, body }) => children.statuses(actor, body),
  };
}

/** On a child: its link to its parent (a server without one says so with nulls). */
export function upstreamStatusHandlers(
  services: Services,
): RouteHandlers<typeof upstreamStatusRoutes> {
  return {
    upstreamStatus: async () =>
      (await services.upstream?.status()) ?? {
        parentUrl: null,
        name: null,
        signer: null,
        cursor: 0,
        lastSyncAt: null,
        lastReportAt: null,
        lastError: null,
        lastErrorAt: null,
        statusCursor: null,
        deployments: [],
      },
  };
}
