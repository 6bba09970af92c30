import type { fleetRoutes } from '../../contracts/admin-routes.js';
import type { Services } from '../services/index.js';
import type { RouteHandlers } from './register.js';

/** Enrollment tokens, computers and groups. */
export function fleetHandlers(services: Services): RouteHandlers<typeof fleetRoutes> {
  const { enrollments, computers, groups, reimages, scans } = services;
  return {
    listEnrollments: ({ query }) => enrollments.list(query),
    createEnrollment: ({ body }) => enrollments.create(body),
    revokeEnrollment: ({ params, actor }) => enrollments.revoke(params.id, actor.name),
    listComputers: ({ query }) => computers.list(query),
    getComputer: async ({ params }) => {
      const view = await computers.show(params.id);
      return { ...view, ...(await scans.ofComputer(await computers.resolve(view.id))) };
    },
    revokeComputer: ({ params, actor }) => computers.revoke(params.id, actor.name),
    listReimageRequests: ({ query }) => reimages.list(query),
    approveReimage: ({ params, actor }) => reimages.approve(params.id, actor.name),
    refuseReimage: ({ params, actor }) => reimages.refuse(params.id, actor.name),
    listGroups: ({ query }) => groups.list(query),
    createGroup: ({ body }) => groups.create(body),
    previewGroup: ({ body }) => groups.preview(body.query),
    getGroup: ({ params }) => groups.show(params.name),
    addGroupMembers: ({ params, body }) => groups.addMembers(params.name, body.computers),
    setGroupWindows: ({ params, body }) => groups.setWindows(params.name, body.windows),
    setGroupPolicy: ({ params, body }) => groups.setPolicy(params.name, body.policy),
    setGroupOwnerEmail: ({ params, body }) => groups.setOwnerEmail(params.name, body.ownerEmail),
  };
}
