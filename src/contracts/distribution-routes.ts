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
import { siteRuleChange, siteRuleList, siteRuleRequest } from './site-rules.js';
import { idParams, sha256Params } from './route-params.js';
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
  listSiteRules: route({
    method: 'GET',
    path: '/api/v1/sites/rules',
    summary: "Subnet rules: a computer whose agent tells no site is at its address's rule's site",
    auth: 'admin',
    response: siteRuleList,
  }),
  addSiteRule: route({
    method: 'POST',
    path: '/api/v1/sites/rules',
    summary:
      'Add a subnet rule (CIDR → site): the computers it is the longest match for move to its site',
    auth: 'admin',
    body: siteRuleRequest,
    response: siteRuleChange,
    status: 201,
  }),
  removeSiteRule: route({
    method: 'DELETE',
    path: '/api/v1/sites/rules/:id',
    summary: 'Remove a subnet rule: the computers it placed move to their next match, or no site',
    auth: 'admin',
    params: idParams,
    response: siteRuleChange,
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
    summary: 'Register a distribution point for a site (its credential is in this answer only)',
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

/**
 * The distribution point protocol, under /agent/v1/distribution-point: each call
 * carries the point's own credential, which names the point.
 */
export const pointRoutes = {
  pointNeeds: route({
    method: 'GET',
    path: '/agent/v1/distribution-point/needs',
    load: 'report',
    summary: 'The files this point must hold: those of the live deployments that reach its site',
    auth: 'point',
    response: pointNeedsResponse,
  }),
  pointContent: route({
    method: 'GET',
    path: '/agent/v1/distribution-point/content/:sha256',
    load: 'never',
    summary: 'Download a file this point must hold, by SHA-256 (Range supported)',
    auth: 'point',
    params: sha256Params,
    response: 'octet-stream',
    otherResponses: {
      206: 'the requested range',
      404: 'not a file this point must hold (or no such file): the same answer',
      416: 'the range is outside the file',
    },
  }),
  pointStaging: route({
    method: 'POST',
    path: '/agent/v1/distribution-point/staging',
    load: 'report',
    summary: 'What the point holds of each file: staged (verified), missing, corrupt',
    auth: 'point',
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
    summary:
      'A copy at a distribution point was corrupt or missing: the agent fetched it elsewhere',
    auth: 'computer',
    params: idParams,
    body: contentProblemRequest,
    response: z.object({ recorded: z.boolean() }),
  }),
};

export const pointPaths = {
  needs: pointRoutes.pointNeeds.path,
  content: (sha256: string) => pathOf(pointRoutes.pointContent, [sha256]),
  staging: pointRoutes.pointStaging.path,
};
