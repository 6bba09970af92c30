import type { catalogRoutes } from '../../contracts/admin-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

export function catalogHandlers(services: Services): RouteHandlers<typeof catalogRoutes> {
  const { catalog, content, archives } = services;
  return {
    listUpdates: ({ query }) => catalog.list(query),
    getUpdate: ({ params }) => catalog.show(params.id),
    // 201 when it created the update, 200 when it was already there.
    createUpdate: async ({ body, reply }) => {
      const { update, created } = await catalog.import(body);
      reply.status(created ? 201 : 200);
      return update;
    },
    importUpdateArchive: async ({ body, reply }) => {
      const { update, created } = await archives.import(body);
      reply.status(created ? 201 : 200);
      return update;
    },
    // Uploads stream straight to the content store.
    uploadContent: async ({ params: { sha256 }, body }) => {
      const { size } = await content.put(sha256, body);
      await catalog.recordContent(sha256, size);
      return { sha256, size };
    },
  };
}
