import type { reviewRoutes } from '../../contracts/review-routes.js';
import type { Services } from '../services/index.js';
import type { Actor } from './auth.js';
import type { RouteHandlers } from './register.js';
import { requireScope } from './scope.js';

/** The post-implementation review as JSON, Markdown, HTML and PDF; its SLA and checklist. */
export function reviewHandlers(services: Services): RouteHandlers<typeof reviewRoutes> {
  const { reviews, deployments } = services;
  /** A scoped caller changes only the review of a deployment whose every target group is in scope. */
  const inScope = async (id: string, actor: Actor) => {
    if (actor.groupScope !== null) requireScope(actor, (await deployments.show(id)).groups);
  };
  const attachment = (id: string, ext: string) => `attachment; filename="review-${id}.${ext}"`;
  return {
    getDeploymentReview: ({ params, query }) => reviews.review(params.id, query),
    deploymentReviewMarkdown: async ({ params, query, reply }) => {
      const text = await reviews.markdown(params.id, query);
      void reply.type('text/markdown; charset=utf-8');
      return text;
    },
    deploymentReviewHtml: async ({ params, query, reply }) => {
      const html = await reviews.html(params.id, query);
      void reply.type('text/html; charset=utf-8');
      return html;
    },
    deploymentReviewPdf: async ({ params, query, reply }) => {
      const pdf = await reviews.pdf(params.id, query);
      void reply
        .type('application/pdf')
        .header('content-disposition', attachment(params.id, 'pdf'));
      return pdf;
    },
    setDeploymentSla: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return reviews.setSla(params.id, body.sla, actor.name);
    },
    checkReviewItem: async ({ params, body, actor }) => {
      await inScope(params.id, actor);
      return reviews.check(params.id, params.item, body.note, actor.name);
    },
    uncheckReviewItem: async ({ params, actor }) => {
      await inScope(params.id, actor);
      return reviews.uncheck(params.id, params.item);
    },
  };
}
