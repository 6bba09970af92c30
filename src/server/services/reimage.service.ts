import type { ReimageListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import type { ReimageRequestView } from '../../contracts/api.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { ReimageRequestRecord } from '../../store/reimage.repository.js';
import type { Repositories, Transactor } from '../../store/repositories.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

type Repos = Pick<
  Repositories,
  'reimages' | 'computers' | 'statuses' | 'absences' | 'enrollments' | 'groups'
>;

export function toReimageRequestView(request: ReimageRequestRecord): ReimageRequestView {
  return {
    id: request.id,
    computerId: request.computerId,
    hostname: request.inventory.hostname,
    hardwareId: request.inventory.hardwareId,
    enrollmentId: request.enrollmentId,
    state: request.state,
    requestedAt: new Date(request.requestedAt).toISOString(),
    decidedAt: request.decidedAt === null ? null : new Date(request.decidedAt).toISOString(),
    decidedBy: request.decidedBy,
  };
}

/**
 * Approves a claimed re-image, inside the caller's transaction: the computer keeps its
 * id and history, takes the new agent's credential, and its statuses are cleared — said
 * in a `reimaged` absence naming who approved and how many statuses went.
 */
export async function approveReimage(
  repos: Repos,
  request: ReimageRequestRecord,
  by: string,
  now: number,
): Promise<void> {
  if (!(await repos.reimages.decide(request.id, 'approved', by, now))) {
    throw new ConflictError(`re-image request ${request.id} was already decided`);
  }
  const computer = await repos.computers.find(request.computerId);
  if (!computer) throw new NotFoundError('computer', request.computerId);
  await repos.computers.reimage(
    computer.id,
    request.credentialHash,
    request.inventory,
    now,
    request.nonceHash,
  );
  // None of its updates survived the new image: what it reported before no longer holds.
  const cleared = await repos.statuses.deleteForComputer(computer.id);
  await repos.absences.add([
    {
      id: newId('abs'),
      computerId: computer.id,
      kind: 'reimaged',
      from: computer.lastSeenAt ?? request.requestedAt,
      to: now,
      detail: `re-image ${request.id} approved by ${by}; ${cleared} status(es) cleared, its updates are gone`,
      receivedAt: now,
    },
  ]);
  const token = await repos.enrollments.find(request.enrollmentId);
  if (token?.groupId != null) await repos.groups.addMembers(token.groupId, [computer.id]);
}

/** The admin's side of claimed re-images: list, approve, refuse. */
export class ReimageService {
  constructor(
    private readonly repos: Pick<Repositories, 'reimages'>,
    private readonly transaction: Transactor,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
  ) {}

  async find(id: string): Promise<ReimageRequestView> {
    const request = await this.repos.reimages.find(id);
    if (!request) throw new NotFoundError('re-image request', id);
    return toReimageRequestView(request);
  }

  async list(query: ReimageListQuery): Promise<Page<ReimageRequestView>> {
    const { state, ...page } = query;
    const result = await this.repos.reimages.page(state, page);
    return { ...result, items: result.items.map(toReimageRequestView) };
  }

  async approve(id: string, by: string): Promise<ReimageRequestView> {
    const now = this.clock.now();
    const request = await this.transaction(async (repos) => {
      const found = await this.pending(repos, id);
      await approveReimage(repos, found, by, now);
      return repos.reimages.find(id);
    });
    if (!request) throw new NotFoundError('re-image request', id);
    await this.membership.refreshComputer(request.computerId, request.inventory);
    return toReimageRequestView(request);
  }

  /** The computer keeps its credential and statuses; the claiming agent is told no. */
  async refuse(id: string, by: string): Promise<ReimageRequestView> {
    const now = this.clock.now();
    await this.pending(this.repos, id);
    if (!(await this.repos.reimages.decide(id, 'refused', by, now))) {
      throw new ConflictError(`re-image request ${id} was already decided`);
    }
    const request = await this.repos.reimages.find(id);
    if (!request) throw new NotFoundError('re-image request', id);
    return toReimageRequestView(request);
  }

  private async pending(
    repos: Pick<Repositories, 'reimages'>,
    id: string,
  ): Promise<ReimageRequestRecord> {
    const request = await repos.reimages.find(id);
    if (!request) throw new NotFoundError('re-image request', id);
    if (request.state !== 'pending') {
      throw new ConflictError(
        `re-image request ${id} was already ${request.state} by ${request.decidedBy ?? '?'}`,
        { state: request.state },
        'already-decided',
      );
    }
    return request;
  }
}
