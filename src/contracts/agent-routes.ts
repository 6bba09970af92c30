import { z } from 'zod';
import {
  checkinRequest,
  checkinResponse,
  enrollRequest,
  enrollResponse,
  reportsRequest,
  reportsResponse,
} from './agent-protocol.js';
import { signedEnvelope } from './metadata.js';
import { contentProblemRoute } from './distribution-routes.js';
import { pathOf, route } from './route.js';
import { scanReportRequest, scanReportResponse, scanRulesResponse } from './scan.js';
import { idParams, sha256Params } from './route-params.js';

const rootVersionParams = z.object({ version: z.coerce.number().int().positive().max(1_000_000) });

/**
 * The agent protocol, under /agent/v1. Every call but enrollment carries the
 * computer's own credential as a bearer token and names that computer in the path.
 */
export const agentRoutes = {
  enroll: route({
    method: 'POST',
    path: '/agent/v1/enroll',
    summary: 'Enroll a computer with an enrollment token (the token is in the body)',
    auth: 'public',
    body: enrollRequest,
    response: enrollResponse,
    status: 201,
    otherResponses: {
      401: 'the token is unknown, expired, used up or revoked, or this computer was revoked',
      403: 'this claimed re-image was refused by an admin',
      409: 'reimage-pending: a claimed re-image waits for an admin; already-enrolled: no nonce',
    },
  }),
  checkin: route({
    method: 'POST',
    path: '/agent/v1/computers/:id/checkin',
    load: 'checkin',
    summary: 'Check in: inventory in, assignments out',
    auth: 'computer',
    params: idParams,
    body: checkinRequest,
    response: checkinResponse,
    otherResponses: {
      204: 'the idle answer whose answerTag the agent sent still holds: no body',
    },
  }),
  reports: route({
    method: 'POST',
    path: '/agent/v1/computers/:id/reports',
    load: 'report',
    summary: 'Status reports from the durable outbox; each seq applied once',
    auth: 'computer',
    params: idParams,
    body: reportsRequest,
    response: reportsResponse,
  }),
  scanRules: route({
    method: 'GET',
    path: '/agent/v1/computers/:id/scan-rules',
    summary: "The detect rules of every catalog update for this computer's platform",
    auth: 'computer',
    params: idParams,
    response: scanRulesResponse,
  }),
  scan: route({
    method: 'POST',
    path: '/agent/v1/computers/:id/scan',
    summary: 'Scan findings that changed since the last acknowledged (or all, for a full scan)',
    auth: 'computer',
    params: idParams,
    body: scanReportRequest,
    response: scanReportResponse,
  }),
  wake: route({
    method: 'GET',
    path: '/agent/v1/computers/:id/wake',
    load: 'never',
    summary:
      'The push channel: Server-Sent Events; `event: checkin` means check in now (data `kind: scan`: and scan)',
    auth: 'computer',
    params: idParams,
    response: 'event-stream',
  }),
  root: route({
    method: 'GET',
    path: '/agent/v1/root/:version',
    summary: 'One version of the signed root: agents walk the chain from the root they pinned',
    auth: 'public',
    params: rootVersionParams,
    response: signedEnvelope,
    otherResponses: { 404: 'no such root version' },
  }),
  content: route({
    method: 'GET',
    path: '/agent/v1/content/:sha256',
    load: 'never',
    summary: 'Download a file by SHA-256 (Range supported)',
    auth: 'computer',
    params: sha256Params,
    response: 'octet-stream',
    otherResponses: {
      206: 'the requested range',
      404: "not a file of this computer's assignments (or no such file): the same answer",
      416: 'the range is outside the file',
    },
  }),
  ...contentProblemRoute,
};
export type AgentRoutes = typeof agentRoutes;

/** The agent's paths, filled from the declarations. */
export const agentPaths = {
  enroll: agentRoutes.enroll.path,
  checkin: (computerId: string) => pathOf(agentRoutes.checkin, [computerId]),
  reports: (computerId: string) => pathOf(agentRoutes.reports, [computerId]),
  content: (sha256: string) => pathOf(agentRoutes.content, [sha256]),
  wake: (computerId: string) => pathOf(agentRoutes.wake, [computerId]),
  scanRules: (computerId: string) => pathOf(agentRoutes.scanRules, [computerId]),
  scan: (computerId: string) => pathOf(agentRoutes.scan, [computerId]),
  root: (version: number) => pathOf(agentRoutes.root, [String(version)]),
  contentProblem: (computerId: string) => pathOf(agentRoutes.contentProblem, [computerId]),
} as const;
