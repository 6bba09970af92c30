import type { fleetRoutes } from '../../contracts/admin-routes.js';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services/index.js';
import { bearerToken } from './auth.js';
import type { RouteHandlers } from './register.js';

/** Enrollment tokens, computers and groups. */
export function fleetHandlers(services: Services): RouteHandlers<typeof fleetRoutes> {
  const { enrollments, computers, groups, reimages, auth } = services;
  /** The admin token's name, recorded as who revoked or decided. */
  const who = (request: FastifyRequest) => auth.adminName(bearerToken(request));
  return {
    listEnrollments: () => enrollments.list(),
    createEnrollment: ({ body }) => enrollments.create(body),
    revokeEnrollment: async ({ params, request }) =>
      enrollments.revoke(params.id, await who(request)),
    listComputers: () => computers.list(),
    getComputer: ({ params }) => computers.show(params.id),
    revokeComputer: async ({ params, request }) => computers.revoke(params.id, await who(request)),
    listReimageRequests: () => reimages.list(),
    approveReimage: async ({ params, request }) => reimages.approve(params.id, await who(request)),
    refuseReimage: async ({ params, request }) => reimages.refuse(params.id, await who(request)),
    listGroups: () => groups.list(),
    createGroup: ({ body }) => groups.create(body),
    getGroup: ({ params }) => groups.show(params.name),
    addGroupMembers: ({ params, body }) => groups.addMembers(params.name, body.computers),
    setGroupWindows: ({ params, body }) => groups.setWindows(params.name, body.windows),
    setGroupPolicy: ({ params, body }) => groups.setPolicy(params.name, body.policy),
  };
}
