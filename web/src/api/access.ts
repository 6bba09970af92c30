import { createContext, useContext } from 'react';
import { adminRoutes, type AdminRoutes } from '../../../src/contracts/admin-routes.js';
import type { MeView } from '../../../src/contracts/people.js';
import { permissionOf } from '../../../src/contracts/route.js';

/** An admin API route, by its name in the route declarations. */
export type RouteName = keyof AdminRoutes;

/**
 * Whether someone with these permissions may call the route: the permission the route's
 * declaration needs (the one the server checks), so the console keeps no list of its own.
 */
export function mayCall(me: Pick<MeView, 'permissions'> | null, route: RouteName): boolean {
  const needed = permissionOf(adminRoutes[route]);
  return me !== null && needed !== null && me.permissions.includes(needed);
}

/** Who is signed in (`GET /api/v1/me`); null outside a session. */
export const MeContext = createContext<MeView | null>(null);

/** `may('haltDeployment')`: whether the signed-in role may call that route. */
export function useMay(): (route: RouteName) => boolean {
  const me = useContext(MeContext);
  return (route) => mayCall(me, route);
}

export function useMe(): MeView | null {
  return useContext(MeContext);
}
