import { z } from 'zod';
import {
  checklistParams,
  checkRequest,
  reviewQuery,
  reviewView,
  setSlaRequest,
  slaView,
} from './review.js';
import { route } from './route.js';
import { idParams } from './route-params.js';

/** The post-implementation review of a deployment, as JSON and as documents; its SLA and checklist. */

const checklistView = z.object({
  deploymentId: z.string(),
  checklist: reviewView.shape.checklist,
});
export type ChecklistView = z.infer<typeof checklistView>;

/** The review as a document, with the same figures as the JSON. */
function reviewDocumentRoute<const P extends string, const C extends 'markdown' | 'html' | 'pdf'>(
  path: P,
  response: C,
  what: string,
) {
  return route({
    method: 'GET',
    path,
    summary: `The post-implementation review as ${what}`,
    auth: 'admin',
    params: idParams,
    query: reviewQuery,
    response,
  });
}

/** Marks a checklist item done or not done; the actor is whoever calls. */
function checklistRoute<const P extends string>(path: P, summary: string) {
  return route({
    method: 'POST',
    path,
    summary,
    auth: 'admin',
    permission: 'deploy',
    params: checklistParams,
    body: checkRequest.prefault({}),
    response: checklistView,
  });
}

export const reviewRoutes = {
  getDeploymentReview: route({
    method: 'GET',
    path: '/api/v1/deployments/:id/review',
    summary:
      'The post-implementation review: plan beside what happened, time to installed against the SLA, failures and how each was resolved, restarts and estimated cost, the follow-up checklist',
    auth: 'admin',
    params: idParams,
    query: reviewQuery,
    response: reviewView,
  }),
  deploymentReviewMarkdown: reviewDocumentRoute(
    '/api/v1/deployments/:id/review.md',
    'markdown',
    'Markdown (text/markdown)',
  ),
  deploymentReviewHtml: reviewDocumentRoute(
    '/api/v1/deployments/:id/review.html',
    'html',
    'an HTML page (text/html)',
  ),
  deploymentReviewPdf: reviewDocumentRoute(
    '/api/v1/deployments/:id/review.pdf',
    'pdf',
    'a PDF (application/pdf)',
  ),
  setDeploymentSla: route({
    method: 'PUT',
    path: '/api/v1/deployments/:id/sla',
    summary:
      'Set the target the review measures against (e.g. 95% installed within 48 hours); null clears it',
    auth: 'admin',
    permission: 'deploy',
    params: idParams,
    body: setSlaRequest,
    response: slaView,
  }),
  checkReviewItem: checklistRoute(
    '/api/v1/deployments/:id/review/checklist/:item/check',
    'Mark a follow-up checklist item done, by the caller, with an optional note',
  ),
  uncheckReviewItem: checklistRoute(
    '/api/v1/deployments/:id/review/checklist/:item/uncheck',
    'Mark a follow-up checklist item not done again',
  ),
};
