import { z } from 'zod';
import { idParams, nameParams } from './route-params.js';
import { route } from './route.js';
import {
  addChildRequest,
  childEnablementRequest,
  childComputerPage,
  childComputersQuery,
  childEnablementView,
  childReportRequest,
  childStatusBatchRequest,
  childStatusBatchView,
  childView,
  deploymentTreeView,
  upstreamChangesQuery,
  upstreamChangesView,
  upstreamHelloView,
  upstreamStatusView,
} from './upstream.js';

/** A parent's children, and which deployments reach each: for the parent's admins. */
export const childRoutes = {
  listChildren: route({
    method: 'GET',
    path: '/api/v1/children',
    summary: 'Child servers: their freshness and the deployments each is enabled for',
    auth: 'admin',
    response: z.array(childView),
  }),
  addChild: route({
    method: 'POST',
    path: '/api/v1/children',
    summary: 'Add a child server (its token, role child, is in this answer only)',
    auth: 'admin',
    body: addChildRequest,
    response: childView,
    status: 201,
  }),
  enableChild: route({
    method: 'POST',
    path: '/api/v1/children/:name/enable',
    summary: 'Let a deployment (or every live one) reach a child: it makes it at its next sync',
    auth: 'admin',
    permission: 'deploy',
    params: nameParams,
    body: childEnablementRequest,
    response: childEnablementView,
  }),
  holdChild: route({
    method: 'POST',
    path: '/api/v1/children/:name/hold',
    summary: 'Hold a deployment (or every one) back from a child: it halts what it made of it',
    auth: 'admin',
    permission: 'deploy',
    params: nameParams,
    body: childEnablementRequest,
    response: childEnablementView,
  }),
  childComputers: route({
    method: 'GET',
    path: '/api/v1/children/:name/computers',
    summary: "A child's computers' statuses, as it sent them up: paged, by deployment and state",
    auth: 'admin',
    params: nameParams,
    query: childComputersQuery,
    response: childComputerPage,
  }),
  deploymentTree: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/children',
    summary: "A deployment across the tree: here, each child's statuses and freshness, the sum",
    auth: 'admin',
    params: idParams,
    response: deploymentTreeView,
  }),
};

/** What a child calls at its parent, with its token (role child), which names it. */
export const upstreamRoutes = {
  upstreamHello: route({
    method: 'GET',
    path: '/api/v1/upstream/hello',
    summary: "A child's first call: its name here and the key that signs the bundles",
    auth: 'admin',
    permission: 'child',
    response: upstreamHelloView,
  }),
  upstreamChanges: route({
    method: 'GET',
    path: '/api/v1/upstream/changes',
    summary: 'The enablements and holds for the calling child after its cursor',
    auth: 'admin',
    permission: 'child',
    query: upstreamChangesQuery,
    response: upstreamChangesView,
  }),
  upstreamBundle: route({
    method: 'GET',
    path: '/api/v1/upstream/deployments/:id/bundle',
    summary: 'The signed bundle of a deployment enabled for the calling child',
    auth: 'admin',
    permission: 'child',
    params: idParams,
    response: 'octet-stream',
    otherResponses: { 404: 'no such deployment, or not enabled for this child: the same answer' },
  }),
  upstreamReport: route({
    method: 'POST',
    path: '/api/v1/upstream/report',
    summary: "The calling child's statuses, counted per deployment and state",
    auth: 'admin',
    permission: 'child',
    load: 'report',
    body: childReportRequest,
    response: z.object({ received: z.number() }),
  }),
  upstreamStatuses: route({
    method: 'POST',
    path: '/api/v1/upstream/statuses',
    summary: "The calling child's per-computer statuses changed after its cursor, one batch",
    auth: 'admin',
    permission: 'child',
    load: 'report',
    body: childStatusBatchRequest,
    response: childStatusBatchView,
  }),
};

/** On a child: its link to its parent. */
export const upstreamStatusRoutes = {
  upstreamStatus: route({
    method: 'GET',
    path: '/api/v1/upstream',
    summary: "This server's parent: the sync's cursor, freshness and errors, per deployment",
    auth: 'admin',
    response: upstreamStatusView,
  }),
};
