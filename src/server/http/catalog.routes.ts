import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { apiPaths, createUpdateRequest } from '../../contracts/api.js';
import { parseOrThrow } from '../../contracts/parse.js';
import type { Services } from '../services/index.js';
import { idParam, shaParam } from './params.js';

export function registerCatalogRoutes(api: FastifyInstance, services: Services): void {
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
    const { size } = await services.content.put(sha256, req.body as Readable);
    await services.catalog.recordContent(sha256, size);
    return reply.status(201).send({ sha256, size });
  });
}
