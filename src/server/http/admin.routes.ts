import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  addGroupMembersRequest,
  apiPaths,
  createDeploymentRequest,
  createEnrollmentRequest,
  createGroupRequest,
  createUpdateRequest,
} from '../../contracts/api.js';
import { sha256Hex } from '../../contracts/manifest.js';
import { parseOrThrow } from '../../contracts/parse.js';
import type { Services } from '../services/index.js';
import { adminGuard } from './auth.js';

const idParam = z.object({ id: z.string().min(1) });
const nameParam = z.object({ name: z.string().min(1) });
const shaParam = z.object({ sha256: sha256Hex });

/** The admin API: thin handlers, the logic is in the services. */
export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  void app.register((api, _opts, done) => {
    api.addHook('onRequest', adminGuard(services.auth));
    // Uploads stream straight to the content store.
    api.addContentTypeParser('application/octet-stream', (_req, payload, next) =>
      next(null, payload),
    );

    api.get(apiPaths.updates, () => services.catalog.list());
    api.get('/api/v1/updates/:id', (req) =>
      services.catalog.show(parseOrThrow(idParam, req.params).id),
    );
    api.post(apiPaths.updates, async (req, reply) => {
      const { update, created } = await services.catalog.import(
        parseOrThrow(createUpdateRequest, req.body),
      );
      return reply.status(created ? 201 : 200).send(update);
    });
    api.put('/api/v1/content/:sha256', async (req, reply) => {
      const { sha256 } = parseOrThrow(shaParam, req.params);
      const { size } = await services.content.put(
        sha256,
        req.body as NodeJS.ReadableStream as never,
      );
      await services.catalog.recordContent(sha256, size);
      return reply.status(201).send({ sha256, size });
    });

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

    api.post(apiPaths.deployments, async (req, reply) =>
      reply
        .status(201)
        .send(await services.deployments.create(parseOrThrow(createDeploymentRequest, req.body))),
    );
    api.get(apiPaths.deployments, () => services.deployments.list());
    api.get('/api/v1/deployments/:id', (req) =>
      services.deployments.show(parseOrThrow(idParam, req.params).id),
    );
    done();
  });
}
