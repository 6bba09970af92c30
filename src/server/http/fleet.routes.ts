import type { fleetRoutes } from '../../contracts/admin-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Enrollment tokens, computers and groups. */
export function fleetHandlers(services: Services): RouteHandlers<typeof fleetRoutes> {
  const { enrollments, computers, groups } = services;
  return {
    listEnrollments: () => enrollments.list(),
    createEnrollment: ({ body }) => enrollments.create(body),
    listComputers: () => computers.list(),
    getComputer: ({ params }) => computers.show(params.id),
    listGroups: () => groups.list(),
    createGroup: ({ body }) => groups.create(body),
    getGroup: ({ params }) => groups.show(params.name),
    addGroupMembers: ({ params, body }) => groups.addMembers(params.name, body.computers),
    setGroupWindows: ({ params, body }) => groups.setWindows(params.name, body.windows),
    setGroupPolicy: ({ params, body }) => groups.setPolicy(params.name, body.policy),
  };
}
