import type { ChecklistView } from '../../contracts/review-routes.js';
import type { ReviewQuery, SlaView } from '../../contracts/review.js';
import type { Clock } from '../../domain/clock.js';
import type { ChecklistItem } from '../../domain/review/checklist.js';
import { reviewMarkdown, reviewHtml } from '../../domain/review/render.js';
import {
  checklistOf,
  defaultReviewCosts,
  reviewDeployment,
  type DeploymentReview,
  type Sla,
} from '../../domain/review/review.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { ReviewRepository } from '../../store/review.repository.js';
import { reviewPdf } from '../../render/review-pdf.js';
import type { DeploymentService } from './deployment.service.js';

/** The post-implementation review of a deployment; its SLA and follow-up checklist. */
export class ReviewService {
  constructor(
    private readonly reviews: ReviewRepository,
    private readonly deployments: DeploymentRepository,
    private readonly events: EventRepository,
    private readonly reader: Pick<DeploymentService, 'find'>,
    private readonly clock: Clock,
  ) {}

  async review(id: string, query: ReviewQuery = {}): Promise<DeploymentReview> {
    const deployment = await this.reader.find(id);
    const [phases, unplaced, events, history, current, sla, checklist] = await Promise.all([
      this.deployments.phases(id),
      this.deployments.unplacedCount(id),
      this.events.deploymentEvents(id),
      this.reviews.history(id),
      this.reviews.current(id),
      this.reviews.sla(id),
      this.reviews.checklist(id),
    ]);
    const seen = new Map<string, number>();
    for (const c of current) seen.set(c.computerId, c.phase);
    return reviewDeployment({
      now: this.clock.now(),
      deployment,
      phases,
      placements: [...seen].map(([computerId, phase]) => ({ computerId, phase })),
      unplaced,
      events: events.map((e) => ({
        at: Number(e.at),
        type: e.type,
        phase: e.phase,
        message: e.message,
        actor: e.actor,
      })),
      history,
      current,
      sla: sla?.sla ?? null,
      costs: {
        minutesPerRestart: query.minutesPerRestart ?? defaultReviewCosts.minutesPerRestart,
        recoveryMinutesPerFailure:
          query.recoveryMinutesPerFailure ?? defaultReviewCosts.recoveryMinutesPerFailure,
        downtimeCostPerHour: query.downtimeCostPerHour ?? null,
        recoveryCostPerHour: query.recoveryCostPerHour ?? null,
      },
      checklist,
    });
  }

  async markdown(id: string, query: ReviewQuery): Promise<string> {
    return reviewMarkdown(await this.review(id, query));
  }

  async html(id: string, query: ReviewQuery): Promise<string> {
    return reviewHtml(await this.review(id, query));
  }

  async pdf(id: string, query: ReviewQuery): Promise<Buffer> {
    return reviewPdf(await this.review(id, query));
  }

  async sla(id: string): Promise<SlaView> {
    await this.reader.find(id);
    const stored = await this.reviews.sla(id);
    return {
      deploymentId: id,
      sla: stored?.sla ?? null,
      setBy: stored?.setBy ?? null,
      setAt: stored === null ? null : new Date(stored.setAt).toISOString(),
    };
  }

  async setSla(id: string, sla: Sla | null, actor: string): Promise<SlaView> {
    await this.reader.find(id);
    await this.reviews.setSla(id, sla, actor, this.clock.now());
    return this.sla(id);
  }

  async checklist(id: string): Promise<ChecklistView> {
    return { deploymentId: id, checklist: checklistOf(await this.reviews.checklist(id)) };
  }

  async check(
    id: string,
    item: ChecklistItem,
    note: string | undefined,
    actor: string,
  ): Promise<ChecklistView> {
    await this.reader.find(id);
    await this.reviews.check(id, {
      item,
      doneBy: actor,
      doneAt: this.clock.now(),
      note: note ?? null,
    });
    return this.checklist(id);
  }

  async uncheck(id: string, item: ChecklistItem): Promise<ChecklistView> {
    await this.reader.find(id);
    await this.reviews.uncheck(id, item);
    return this.checklist(id);
  }
}
