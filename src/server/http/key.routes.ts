import { keyRoutes } from '../../contracts/key-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** The signing keys: show, export the root key (to keep offline), rotate the root. */
export function keyHandlers(services: Services): RouteHandlers<typeof keyRoutes> {
  const { signing } = services;
  return {
    showKeys: () => signing.show(),
    exportRoot: ({ body }) => signing.exportRoot(body.remove),
    rotateRoot: ({ body }) => signing.rotateRoot(body),
  };
}
