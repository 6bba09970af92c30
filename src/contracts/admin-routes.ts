import {
  addGroupMembersRequest,
  computerView,
  createEnrollmentRequest,
  createGroupRequest,
  createUpdateRequest,
  enrollmentView,
  reimageRequestView,
  groupDetailView,
  groupPreviewRequest,
  groupPreviewView,
  groupView,
  setGroupPolicyRequest,
  setGroupOwnerEmailRequest,
  setWindowsRequest,
  updateView,
} from './api.js';
import { auditRoutes } from './audit-routes.js';
import { baselineRoutes } from './baseline-routes.js';
import { deploymentRoutes } from './deployment-routes.js';
import { reportRoutes } from './report-routes.js';
import { reviewRoutes } from './review-routes.js';
import { peopleRoutes } from './people-routes.js';
import {
  computerListQuery,
  enrollmentListQuery,
  groupListQuery,
  reimageListQuery,
  updateListQuery,
} from './list-queries.js';
import { pageOf } from './paging.js';
import { route } from './route.js';
import { scanRoutes } from './scan-routes.js';
import { computerScanDetailView } from './scan.js';
import { contentView, idParams, nameParams, sha256Params } from './route-params.js';
import { keyRoutes } from './key-routes.js';
import { bundleRoutes } from './bundle-routes.js';
import { announceRoutes } from './announce-routes.js';
import { distributionRoutes } from './distribution-routes.js';
import { childRoutes, upstreamRoutes, upstreamStatusRoutes } from './upstream-routes.js';

/** The admin API, under /api/v1, authenticated with an admin bearer token. */

export const catalogRoutes = {
  listUpdates: route({
    method: 'GET',
    path: '/api/v1/updates',
    summary: 'The catalog, a page at a time (filter by severity, classification, q)',
    auth: 'admin',
    query: updateListQuery,
    response: pageOf(updateView),
  }),
  getUpdate: route({
    method: 'GET',
    path: '/api/v1/updates/:id',
    summary: 'One update',
    auth: 'admin',
    params: idParams,
    response: updateView,
  }),
  createUpdate: route({
    method: 'POST',
    path: '/api/v1/updates',
    summary: 'Import an update (409 missing-content lists the files to upload first)',
    auth: 'admin',
    body: createUpdateRequest,
    response: updateView,
    status: 201,
    otherResponses: { 200: 'already in the catalog with the same content' },
  }),
  importUpdateArchive: route({
    method: 'POST',
    path: '/api/v1/updates/archive',
    summary:
      'Import an update from its folder packed as .tar.gz or .zip (the body): unpacked, checked as `update import DIR` is, content stored',
    auth: 'admin',
    body: 'octet-stream',
    response: updateView,
    status: 201,
    otherResponses: {
      200: 'already in the catalog with the same content',
      400: 'the archive or its update names the problem (field `archive`, or the manifest field)',
      409: 'an update with this id and other content is in the catalog',
    },
  }),
  uploadContent: route({
    method: 'PUT',
    path: '/api/v1/content/:sha256',
    summary: 'Upload one file, addressed by its SHA-256',
    auth: 'admin',
    params: sha256Params,
    body: 'octet-stream',
    response: contentView,
    status: 201,
  }),
};

export const fleetRoutes = {
  listEnrollments: route({
    method: 'GET',
    path: '/api/v1/enrollments',
    summary: 'Enrollment tokens, a page at a time',
    auth: 'admin',
    query: enrollmentListQuery,
    response: pageOf(enrollmentView),
  }),
  createEnrollment: route({
    method: 'POST',
    path: '/api/v1/enrollments',
    summary: 'Create an enrollment token (its secret is in this response only)',
    auth: 'admin',
    body: createEnrollmentRequest,
    response: enrollmentView,
    status: 201,
  }),
  revokeEnrollment: route({
    method: 'POST',
    path: '/api/v1/enrollments/:id/revoke',
    summary: 'Revoke an enrollment token: no computer can enroll with it any more',
    auth: 'admin',
    params: idParams,
    response: enrollmentView,
  }),
  listComputers: route({
    method: 'GET',
    path: '/api/v1/computers',
    summary: 'Computers, a page at a time (filter by q, group, health, site, os)',
    auth: 'admin',
    query: computerListQuery,
    response: pageOf(computerView),
  }),
  getComputer: route({
    method: 'GET',
    path: '/api/v1/computers/:id',
    summary: 'One computer (by id or hostname) with its statuses',
    auth: 'admin',
    params: idParams,
    response: computerScanDetailView,
  }),
  revokeComputer: route({
    method: 'POST',
    path: '/api/v1/computers/:id/revoke',
    summary: "Revoke a computer's credential (by id or hostname): its next call gets a 401",
    auth: 'admin',
    params: idParams,
    response: computerView,
  }),
  listReimageRequests: route({
    method: 'GET',
    path: '/api/v1/reimage-requests',
    summary: 'Claimed re-images, newest first, a page at a time',
    auth: 'admin',
    query: reimageListQuery,
    response: pageOf(reimageRequestView),
  }),
  approveReimage: route({
    method: 'POST',
    path: '/api/v1/reimage-requests/:id/approve',
    summary: 'Approve a re-image: the computer gets the new credential and loses its statuses',
    auth: 'admin',
    params: idParams,
    response: reimageRequestView,
  }),
  refuseReimage: route({
    method: 'POST',
    path: '/api/v1/reimage-requests/:id/refuse',
    summary: 'Refuse a re-image: the computer keeps its credential and statuses',
    auth: 'admin',
    params: idParams,
    response: reimageRequestView,
  }),
  listGroups: route({
    method: 'GET',
    path: '/api/v1/groups',
    summary: 'Groups, a page at a time',
    auth: 'admin',
    query: groupListQuery,
    response: pageOf(groupView),
  }),
  createGroup: route({
    method: 'POST',
    path: '/api/v1/groups',
    summary: 'Create a static or query group',
    auth: 'admin',
    body: createGroupRequest,
    response: groupView,
    status: 201,
  }),
  previewGroup: route({
    method: 'POST',
    path: '/api/v1/groups/preview',
    summary: 'How many and which computers a query would reach now (400 names a bad query)',
    auth: 'admin',
    body: groupPreviewRequest,
    response: groupPreviewView,
  }),
  getGroup: route({
    method: 'GET',
    path: '/api/v1/groups/:name',
    summary: 'One group with its members',
    auth: 'admin',
    params: nameParams,
    response: groupDetailView,
  }),
  addGroupMembers: route({
    method: 'POST',
    path: '/api/v1/groups/:name/members',
    summary: 'Add computers to a static group',
    auth: 'admin',
    params: nameParams,
    body: addGroupMembersRequest,
    response: groupDetailView,
  }),
  setGroupWindows: route({
    method: 'PUT',
    path: '/api/v1/groups/:name/windows',
    summary: "Replace a group's maintenance windows (an empty list removes them all)",
    auth: 'admin',
    params: nameParams,
    body: setWindowsRequest,
    response: groupView,
  }),
  setGroupPolicy: route({
    method: 'PUT',
    path: '/api/v1/groups/:name/policy',
    summary: "Set a group's client policy (null clears it; a deployment may override it)",
    auth: 'admin',
    params: nameParams,
    body: setGroupPolicyRequest,
    response: groupView,
  }),
  setGroupOwnerEmail: route({
    method: 'PUT',
    path: '/api/v1/groups/:name/owner-email',
    summary:
      'Set who is told the rollout schedule for the computers of a group that report no owner e-mail (null clears it)',
    auth: 'admin',
    params: nameParams,
    body: setGroupOwnerEmailRequest,
    response: groupView,
  }),
};

export const adminRoutes = {
  ...catalogRoutes,
  ...fleetRoutes,
  ...deploymentRoutes,
  ...reportRoutes,
  ...reviewRoutes,
  ...auditRoutes,
  ...peopleRoutes,
  ...scanRoutes,
  ...keyRoutes,
  ...bundleRoutes,
  ...baselineRoutes,
  ...announceRoutes,
  ...distributionRoutes,
  ...childRoutes,
  ...upstreamRoutes,
  ...upstreamStatusRoutes,
};
export type AdminRoutes = typeof adminRoutes;
