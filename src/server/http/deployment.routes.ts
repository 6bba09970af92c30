import type { FastifyInstance } from 'fastify';
import {
  apiPaths,
  createDeploymentRequest,
  deploymentActionRequest,
  redeployRequest,
} from '../../contracts/api.js';
import { parseOrThrow } from '../../contracts/parse.js';
import type { Services } from '../services/index.js';
import { idParam } from './params.js';

/** Deployments, and the one-action changes: halt, resume, revoke, rollback, promote, redeploy. */
export function registerDeploymentRoutes(api: FastifyInstance, services: Services): void {
  const { deployments, deploymentActions: actions } = services;
  const id = (params: unknown) => parseOrThrow(idParam, params).id;
  const reason = (body: unknown) => parseOrThrow(deploymentActionRequest, body ?? {}).reason;

  api.post(apiPaths.deployments, async (req, reply) =>
    reply
      .status(201)
      .send(await deployments.create(parseOrThrow(createDeploymentRequest, req.body))),
  );
  api.post(apiPaths.dryRun, (req) =>
    deployments.dryRun(parseOrThrow(createDeploymentRequest, req.body)),
  );
  api.get(apiPaths.deployments, () => deployments.list());
  api.get('/api/v1/deployments/:id', (req) => deployments.show(id(req.params)));
  api.get('/api/v1/deployments/:id/events', (req) => actions.listEvents(id(req.params)));

  for (const action of ['halt', 'resume', 'revoke', 'rollback'] as const) {
    api.post(`/api/v1/deployments/:id/${action}`, (req) =>
      actions.change(id(req.params), action, reason(req.body)),
    );
  }
  api.post('/api/v1/deployments/:id/promote', (req) => actions.promote(id(req.params)));
  api.post('/api/v1/deployments/:id/redeploy', (req) =>
    actions.redeploy(id(req.params), parseOrThrow(redeployRequest, req.body ?? {})),
  );
}
