import { pageOf } from './paging.js';
import { route } from './route.js';
import {
  addBaselineUpdatesRequest,
  baselineComplianceQuery,
  baselineComplianceView,
  baselineListQuery,
  baselineParams,
  baselineView,
  createBaselineRequest,
  removeBaselineUpdatesRequest,
  setBaselineRequest,
} from './baseline.js';

/**
 * Baselines: named sets of updates every computer of their groups must have, and
 * compliance to each from the scan. Changing one is a catalog change: `admin`.
 */
export const baselineRoutes = {
  listBaselines: route({
    method: 'GET',
    path: '/api/v1/baselines',
    summary: 'Baselines, a page at a time',
    auth: 'admin',
    query: baselineListQuery,
    response: pageOf(baselineView),
  }),
  createBaseline: route({
    method: 'POST',
    path: '/api/v1/baselines',
    summary: 'Create a baseline: updates that every computer of its groups must have',
    auth: 'admin',
    body: createBaselineRequest,
    response: baselineView,
    status: 201,
    otherResponses: { 404: 'no such group or update', 409: 'the name is taken' },
  }),
  getBaseline: route({
    method: 'GET',
    path: '/api/v1/baselines/:name',
    summary: 'One baseline with its groups and updates',
    auth: 'admin',
    params: baselineParams,
    response: baselineView,
  }),
  setBaseline: route({
    method: 'PUT',
    path: '/api/v1/baselines/:name',
    summary:
      'Change a baseline (only the fields given): rename it, its description, the groups and the updates it holds (both replaced)',
    auth: 'admin',
    params: baselineParams,
    body: setBaselineRequest,
    response: baselineView,
    otherResponses: { 404: 'no such baseline, group or update', 409: 'the new name is taken' },
  }),
  removeBaseline: route({
    method: 'POST',
    path: '/api/v1/baselines/:name/remove',
    summary:
      'Remove a baseline (answers it as it was): its compliance goes with it; its groups, updates and computers stay',
    auth: 'admin',
    params: baselineParams,
    response: baselineView,
    otherResponses: { 404: 'no such baseline' },
  }),
  addBaselineUpdates: route({
    method: 'POST',
    path: '/api/v1/baselines/:name/updates',
    summary: 'Add updates to a baseline, by id and/or every update of a deployment',
    auth: 'admin',
    params: baselineParams,
    body: addBaselineUpdatesRequest,
    response: baselineView,
    otherResponses: { 404: 'no such baseline, update or deployment' },
  }),
  removeBaselineUpdates: route({
    method: 'POST',
    path: '/api/v1/baselines/:name/updates/remove',
    summary: 'Remove updates from a baseline',
    auth: 'admin',
    params: baselineParams,
    body: removeBaselineUpdatesRequest,
    response: baselineView,
    otherResponses: { 404: 'no such baseline, or an update it does not hold' },
  }),
  baselineCompliance: route({
    method: 'GET',
    path: '/api/v1/baselines/:name/compliance',
    summary:
      'Compliance to a baseline from the scan: each computer compliant, non-compliant (what is missing and why) or unknown',
    auth: 'admin',
    params: baselineParams,
    query: baselineComplianceQuery,
    response: baselineComplianceView,
  }),
  baselineComplianceCsv: route({
    method: 'GET',
    path: '/api/v1/baselines/:name/compliance.csv',
    summary: 'Compliance to a baseline as CSV (text/csv): one line per computer and missing update',
    auth: 'admin',
    params: baselineParams,
    query: baselineComplianceQuery,
    response: 'csv',
  }),
};
