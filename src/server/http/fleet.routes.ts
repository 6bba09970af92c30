import type { FastifyInstance } from 'fastify';
import {
  addGroupMembersRequest,
  apiPaths,
  createEnrollmentRequest,
  createGroupRequest,
  setGroupPolicyRequest,
  setWindowsRequest,
} from '../../contracts/api.js';
import { parseOrThrow } from '../../contracts/parse.js';
import type { Services } from '../services/index.js';
import { idParam, nameParam } from './params.js';

/** Enrollment tokens, computers and groups. */
export function registerFleetRoutes(api: FastifyInstance, services: Services): void {
  api.post(apiPaths.enrollments, async (req, reply) =>
    reply
      .status(201)
      .send(await services.enrollments.create(parseOrThrow(createEnrollmentRequest, req.body))),
  );
  api.get(apiPaths.enrollments, () => services.enrollments.list());

  api.get(apiPaths.computers, () => services.computers.list());
  api.get('/api/v1/computers/:id', (req) =>
    services.computers.show(parseOrThrow(idParam, req.params).id),
  );

  api.post(apiPaths.groups, async (req, reply) =>
    reply
      .status(201)
      .send(await services.groups.create(parseOrThrow(createGroupRequest, req.body))),
  );
  api.get(apiPaths.groups, () => services.groups.list());
  api.get('/api/v1/groups/:name', (req) =>
    services.groups.show(parseOrThrow(nameParam, req.params).name),
  );
  api.post('/api/v1/groups/:name/members', (req) =>
    services.groups.addMembers(
      parseOrThrow(nameParam, req.params).name,
      parseOrThrow(addGroupMembersRequest, req.body).computers,
    ),
  );
  api.put('/api/v1/groups/:name/windows', (req) =>
    services.groups.setWindows(
      parseOrThrow(nameParam, req.params).name,
      parseOrThrow(setWindowsRequest, req.body).windows,
    ),
  );
  api.put('/api/v1/groups/:name/policy', (req) =>
    services.groups.setPolicy(
      parseOrThrow(nameParam, req.params).name,
      parseOrThrow(setGroupPolicyRequest, req.body).policy,
    ),
  );
}
