import { z } from 'zod';
import {
  addGroupMembersRequest,
  computerDetailView,
  computerView,
  createDeploymentRequest,
  createEnrollmentRequest,
  createGroupRequest,
  createUpdateRequest,
  deploymentActionRequest,
  deploymentDetailView,
  deploymentEventView,
  deploymentView,
  dryRunView,
  redeployRequest,
  setGroupPolicyRequest,
  setWindowsRequest,
  enrollmentView,
  errorBody,
  groupDetailView,
  groupView,
  updateView,
} from './api.js';
import {
  checkinRequest,
  checkinResponse,
  enrollRequest,
  enrollResponse,
  reportsRequest,
  reportsResponse,
} from './agent-protocol.js';

type Operation = {
  summary: string;
  request?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  auth: 'admin' | 'computer' | 'enrollment';
};

const operations: Record<string, Record<string, Operation>> = {
  '/api/v1/updates': {
    get: { summary: 'List the catalog', response: z.array(updateView), auth: 'admin' },
    post: {
      summary: 'Import an update (409 missing-content lists the files to upload first)',
      request: createUpdateRequest,
      response: updateView,
      status: 201,
      auth: 'admin',
    },
  },
  '/api/v1/updates/{id}': { get: { summary: 'One update', response: updateView, auth: 'admin' } },
  '/api/v1/content/{sha256}': {
    put: {
      summary: 'Upload one file, addressed by its SHA-256 (application/octet-stream)',
      status: 201,
      auth: 'admin',
    },
  },
  '/api/v1/enrollments': {
    get: { summary: 'List enrollment tokens', response: z.array(enrollmentView), auth: 'admin' },
    post: {
      summary: 'Create an enrollment token (its secret is in this response only)',
      request: createEnrollmentRequest,
      response: enrollmentView,
      status: 201,
      auth: 'admin',
    },
  },
  '/api/v1/computers': {
    get: { summary: 'List computers', response: z.array(computerView), auth: 'admin' },
  },
  '/api/v1/computers/{id}': {
    get: {
      summary: 'One computer (by id or hostname) with its statuses',
      response: computerDetailView,
      auth: 'admin',
    },
  },
  '/api/v1/groups': {
    get: { summary: 'List groups', response: z.array(groupView), auth: 'admin' },
    post: {
      summary: 'Create a static or query group',
      request: createGroupRequest,
      response: groupView,
      status: 201,
      auth: 'admin',
    },
  },
  '/api/v1/groups/{name}': {
    get: { summary: 'One group with its members', response: groupDetailView, auth: 'admin' },
  },
  '/api/v1/groups/{name}/members': {
    post: {
      summary: 'Add computers to a static group',
      request: addGroupMembersRequest,
      response: groupDetailView,
      auth: 'admin',
    },
  },
  '/api/v1/deployments': {
    get: { summary: 'List deployments', response: z.array(deploymentView), auth: 'admin' },
    post: {
      summary: 'Approve an update for a group',
      request: createDeploymentRequest,
      response: deploymentDetailView,
      status: 201,
      auth: 'admin',
    },
  },
  '/api/v1/deployments/{id}': {
    get: {
      summary: 'A deployment: counts per state and per-computer status',
      response: deploymentDetailView,
      auth: 'admin',
    },
  },
  '/api/v1/deployments/dry-run': {
    post: {
      summary: 'Which computers each phase would reach, and when',
      request: createDeploymentRequest,
      response: dryRunView,
      auth: 'admin',
    },
  },
  '/api/v1/deployments/{id}/events': {
    get: {
      summary: 'Every engine decision and admin action, with its reason',
      response: z.array(deploymentEventView),
      auth: 'admin',
    },
  },
  ...Object.fromEntries(
    (['halt', 'resume', 'revoke', 'rollback', 'promote'] as const).map((action) => [
      `/api/v1/deployments/{id}/${action}`,
      {
        post: {
          summary: `${action} the deployment`,
          request: deploymentActionRequest,
          response: deploymentDetailView,
          auth: 'admin' as const,
        },
      },
    ]),
  ),
  '/api/v1/deployments/{id}/redeploy': {
    post: {
      summary: 'Re-advertise to failed computers, or deploy a new revision to them',
      request: redeployRequest,
      response: deploymentDetailView,
      auth: 'admin',
    },
  },
  '/api/v1/groups/{name}/windows': {
    put: {
      summary: "Replace a group's maintenance windows",
      request: setWindowsRequest,
      response: groupView,
      auth: 'admin',
    },
  },
  '/api/v1/groups/{name}/policy': {
    put: {
      summary: "Set a group's client policy (null clears it)",
      request: setGroupPolicyRequest,
      response: groupView,
      auth: 'admin',
    },
  },
  '/agent/v1/computers/{id}/wake': {
    get: {
      summary: 'The push channel: Server-Sent Events, `event: checkin` means check in now',
      auth: 'computer',
    },
  },
  '/agent/v1/enroll': {
    post: {
      summary: 'Enroll a computer with an enrollment token',
      request: enrollRequest,
      response: enrollResponse,
      status: 201,
      auth: 'enrollment',
    },
  },
  '/agent/v1/computers/{id}/checkin': {
    post: {
      summary: 'Check in: inventory in, assignments out',
      request: checkinRequest,
      response: checkinResponse,
      auth: 'computer',
    },
  },
  '/agent/v1/computers/{id}/reports': {
    post: {
      summary: 'Status reports from the durable outbox; each seq applied once',
      request: reportsRequest,
      response: reportsResponse,
      auth: 'computer',
    },
  },
  '/agent/v1/content/{sha256}': {
    get: { summary: 'Download a file by SHA-256 (Range supported)', auth: 'computer' },
  },
};

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
});

/** The OpenAPI document, generated from the same schemas the server validates with. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [route, methods] of Object.entries(operations)) {
    const entry: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(methods)) {
      entry[method] = {
        summary: op.summary,
        security: op.auth === 'enrollment' ? [] : [{ [op.auth]: [] }],
        ...(op.request ? { requestBody: { required: true, content: json(op.request) } } : {}),
        responses: {
          [String(op.status ?? 200)]: {
            description: 'success',
            ...(op.response ? { content: json(op.response) } : {}),
          },
          default: { description: 'error', content: json(errorBody) },
        },
      };
    }
    paths[route] = entry;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Ringmaster API', version },
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'an admin token' },
        computer: { type: 'http', scheme: 'bearer', description: "a computer's own credential" },
      },
    },
    paths,
  };
}
