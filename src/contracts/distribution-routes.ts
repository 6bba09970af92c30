import { z } from 'zod';
import {
  contentProblemRequest,
  contentStatusQuery,
  contentStatusView,
  pointListQuery,
  pointNeedsResponse,
  pointView,
  registerPointRequest,
  siteListQuery,
  siteView,
  stagingRequest,
  stagingResponse,
} from './distribution.js';
import { pageOf } from './paging.js';
import { idParams } from './route-params.js';
import { sha256Hex } from './manifest.js';
import { pathOf, route } from './route.js';

/** Sites, distribution points and the readiness gate, on the admin API. */
export const distributionRoutes = {
  listSites: route({
    method: 'GET',
    path: '/api/v1/sites',
    summary: 'Sites (those of computers and of distribution points), a page at a time',
    auth: 'admin',
    query: siteListQuery,
    response: pageOf(siteView),
  }),
  listPoints: route({
    method: 'GET',
    path: '/api/v1/distribution-points',
    summary: 'Distribution points, by site and order, a page at a time (filter by site)',
    auth: 'admin',
    query: pointListQuery,
    response: pageOf(pointView),
  }),
  registerPoint: route({
    method: 'POST',
    path: '/api/v1/distribution-points',
    summary: "Register a distribution point for a site (its credential is in this answer only)",
    auth: 'admin',
    body: registerPointRequest,
    response: pointView,
    status: 201,
  }),
  removePoint: route({
    method: 'POST',
    path: '/api/v1/distribution-points/:id/remove',
    summary: 'Remove a distribution point: agents stop using it, its credential is refused',
    auth: 'admin',
    params: idParams,
    response: pointView,
  }),
  contentStatus: route({
    method: 'GET',
    path: '/api/v1/content-status',
    summary: "Whether each live deployment's files are staged on the points of its sites",
    auth: 'admin',
    query: contentStatusQuery,
    response: contentStatusView,
  }),
};

const pointParams = z.object({ id: z.string().min(1) });
const pointContentParams = z.object({ id: z.string().min(1), sha256: sha256Hex });

/**
 * The distribution point protocol, under /agent/v1/distribution-points: each call
 * carries the point's own credential and names that point in the path.
 */
export const pointRoutes = {
  pointNeeds: route({
    method: 'GET',
    path: '/agent/v1/distribution-points/:id/needs',
    load: 'report',
    summary: 'The files this point must hold: those of the live deployments that reach its site',
    auth: 'point',
    params: pointParams,
    response: pointNeedsResponse,
  }),
  pointContent: route({
    method: 'GET',
    path: '/agent/v1/distribution-points/:id/content/:sha256',
    load: 'never',
    summary: 'Download a file this point must hold, by SHA-256 (Range supported)',
    auth: 'point',
    params: pointContentParams,
    response: 'octet-stream',
    otherResponses: {
      206: 'the requested range',
      404: 'not a file this point must hold (or no such file): the same answer',
      416: 'the range is outside the file',
    },
  }),
  pointStaging: route({
    method: 'POST',
    path: '/agent/v1/distribution-points/:id/staging',
    load: 'report',
    summary: 'What the point holds of each file: staged (verified), missing, corrupt',
    auth: 'point',
    params: pointParams,
    body: stagingRequest,
    response: stagingResponse,
  }),
};

/** What an agent tells of a bad copy at a point. */
export const contentProblemRoute = {
  contentProblem: route({
    method: 'POST',
    path: '/agent/v1/computers/:id/content-problems',
    load: 'report',
    summary: 'A copy at a distribution point was corrupt or missing: the agent fetched it elsewhere',
    auth: 'computer',
    params: idParams,
    body: contentProblemRequest,
    response: z.object({ recorded: z.boolean() }),
  }),
};

export const pointPaths = {
  needs: (pointId: string) => pathOf(pointRoutes.pointNeeds, [pointId]),
  content: (pointId: string, sha256: string) =>
    pathOf(pointRoutes.pointContent, [pointId, sha256]),
  staging: (pointId: string) => pathOf(pointRoutes.pointStaging, [pointId]),
};
