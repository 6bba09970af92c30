import type { EnrollmentListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import type { EnrollmentView } from '../../contracts/api.js';
import type { EnrollRequest, EnrollResponse } from '../../contracts/agent-protocol.js';
import type { Clock } from '../../domain/clock.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../../domain/errors.js';
import type { ComputerRecord } from '../../store/computer.repository.js';
import type { EnrollmentRecord } from '../../store/enrollment.repository.js';
import { isUniqueViolation } from '../../store/errors.js';
import type { ReimageRequestRecord } from '../../store/reimage.repository.js';
import type { Repositories, Transactor } from '../../store/repositories.js';
import type { MembershipService } from './membership.service.js';
import { approveReimage } from './reimage.service.js';
import type { SiteService } from './site.service.js';
import type { PlacedAt } from '../../store/computer.repository.js';
import { credentialFromNonce, generateSecret, hashSecret, newId } from './secrets.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toEnrollmentView(enrollment: EnrollmentRecord, token?: string): EnrollmentView {
  return {
    id: enrollment.id,
    ...(token ? { token } : {}),
    group: enrollment.groupName,
    expiresAt: iso(enrollment.expiresAt),
    usesLeft: enrollment.usesLeft,
    uses: enrollment.uses,
    createdAt: new Date(enrollment.createdAt).toISOString(),
    revokedAt: iso(enrollment.revokedAt),
    revokedBy: enrollment.revokedBy,
  };
}

export type EnrollmentOptions = {
  /**
   * A claimed re-image is approved without an admin only when the enrollment token
   * enrolls into a group the computer is in and the computer has been silent this
   * long; null: never (every re-image waits for an admin).
   */
  reimageAutoApproveAfterSeconds: number | null;
};

/** What one enroll transaction decided; the answer is sent once it has committed. */
type Outcome =
  | { kind: 'enrolled'; computerId: string; credential: string }
  | { kind: 'pending'; request: ReimageRequestRecord; computer: ComputerRecord }
  | { kind: 'refused'; request: ReimageRequestRecord };

type Enrolling = {
  request: EnrollRequest;
  token: EnrollmentRecord;
  nonceHash: string | null;
  now: number;
};

/** Enrollment tokens, and the enrollment of a computer with one. */
export class EnrollmentService {
  constructor(
    private readonly repos: Pick<Repositories, 'enrollments' | 'groups'>,
    private readonly transaction: Transactor,
    private readonly membership: MembershipService,
    private readonly sites: SiteService,
    private readonly clock: Clock,
    private readonly options: EnrollmentOptions,
  ) {}

  async create(request: {
    group?: string | undefined;
    expiresInSeconds: number;
    uses?: number | undefined;
  }): Promise<EnrollmentView> {
    let groupId: string | null = null;
    if (request.group !== undefined) {
      const group = await this.repos.groups.findByName(request.group);
      if (!group) throw new NotFoundError('group', request.group);
      groupId = group.id;
    }
    const token = generateSecret('rm_enroll');
    const now = this.clock.now();
    const id = newId('enr');
    await this.repos.enrollments.insert({
      id,
      tokenHash: hashSecret(token),
      groupId,
      expiresAt: now + request.expiresInSeconds * 1000,
      usesLeft: request.uses ?? null,
      createdAt: now,
    });
    const row = await this.repos.enrollments.find(id);
    if (!row) throw new NotFoundError('enrollment', id);
    return toEnrollmentView(row, token);
  }

  async find(id: string): Promise<EnrollmentView> {
    const row = await this.repos.enrollments.find(id);
    if (!row) throw new NotFoundError('enrollment', id);
    return toEnrollmentView(row);
  }

  async list(query: EnrollmentListQuery): Promise<Page<EnrollmentView>> {
    const result = await this.repos.enrollments.page(query);
    return { ...result, items: result.items.map((row) => toEnrollmentView(row)) };
  }

  /** Effective at once: the next enrollment with it gets a 401. Revoking twice keeps the first. */
  async revoke(id: string, by: string): Promise<EnrollmentView> {
    await this.repos.enrollments.revoke(id, by, this.clock.now());
    const row = await this.repos.enrollments.find(id);
    if (!row) throw new NotFoundError('enrollment', id);
    return toEnrollmentView(row);
  }

  /**
   * Gives a new computer its own credential (the server keeps only its hash), in one
   * transaction: a crash leaves either nothing (no token use spent) or all of it. A
   * retry with the same nonce finds what the first try made.
   */
  async enroll(request: EnrollRequest, address: string | null = null): Promise<EnrollResponse> {
    const placedAt = await this.sites.place(request.inventory.site, address);
    let outcome: Outcome;
    try {
      outcome = await this.transaction((repos) => this.decide(repos, request, placedAt));
    } catch (error) {
      // The same agent's two tries raced (PostgreSQL): one committed; the other finds it.
      if (request.nonce === undefined || !isUniqueViolation(error)) throw error;
      outcome = await this.transaction((repos) => this.decide(repos, request, placedAt));
    }
    switch (outcome.kind) {
      case 'enrolled':
        await this.membership.refreshComputer(outcome.computerId, {
          ...request.inventory,
          site: placedAt.placement.site,
        });
        return { computerId: outcome.computerId, credential: outcome.credential };
      case 'pending':
        throw new ConflictError(
          `${outcome.computer.hostname} is enrolled already as ${outcome.computer.id}; this ` +
            `re-image waits for an admin (ringmaster computer reimage approve ${outcome.request.id})`,
          { computerId: outcome.computer.id, reimageRequestId: outcome.request.id },
          'reimage-pending',
        );
      case 'refused':
        throw new ForbiddenError(
          `the re-image ${outcome.request.id} of computer ${outcome.request.computerId} was ` +
            `refused by ${outcome.request.decidedBy ?? 'an admin'}`,
        );
    }
  }

  private async decide(
    repos: Repositories,
    request: EnrollRequest,
    placedAt: PlacedAt,
  ): Promise<Outcome> {
    const now = this.clock.now();
    const token = await repos.enrollments.findByHash(hashSecret(request.enrollmentToken));
    if (!token) throw new UnauthorizedError('the enrollment token is not valid');
    if (token.revokedAt !== null) {
      throw new UnauthorizedError(`the enrollment token ${token.id} was revoked`);
    }
    const nonceHash = request.nonce === undefined ? null : hashSecret(request.nonce);
    if (nonceHash !== null) {
      const earlier = await this.retried(repos, request, nonceHash);
      if (earlier) return earlier;
    }
    if (!(await repos.enrollments.consume(token.id, now))) {
      // PostgreSQL: a parallel try of the same agent held the token's row and spent its
      // last use; now committed, it is visible here.
      const earlier = nonceHash === null ? null : await this.retried(repos, request, nonceHash);
      if (earlier) return earlier;
      throw new UnauthorizedError('the enrollment token has expired or has no uses left');
    }
    const enrolling = { request, token, nonceHash, now };
    const { hostname, hardwareId } = request.inventory;
    const claimed = await repos.computers.findReimaged(hostname, hardwareId);
    if (claimed) return this.claimReimage(repos, enrolling, claimed);

    const credential = this.credentialFor(request);
    const computerId = newId('cmp');
    await repos.computers.insert({
      id: computerId,
      credentialHash: hashSecret(credential),
      ...request.inventory,
      enrolledAt: now,
      lastSeenAt: now,
      enrollmentNonceHash: nonceHash,
      placedAt,
    });
    if (token.groupId !== null) await repos.groups.addMembers(token.groupId, [computerId]);
    return { kind: 'enrolled', computerId, credential };
  }

  /** The same agent trying again: the answer its first try got (or would have got). */
  private async retried(
    repos: Repositories,
    request: EnrollRequest,
    nonceHash: string,
  ): Promise<Outcome | null> {
    const computer = await repos.computers.findByNonceHash(nonceHash);
    if (computer) {
      if (computer.revokedAt !== null) {
        throw new UnauthorizedError(`the credential of computer ${computer.id} was revoked`);
      }
      return {
        kind: 'enrolled',
        computerId: computer.id,
        credential: this.credentialFor(request),
      };
    }
    const claim = await repos.reimages.findByNonceHash(nonceHash);
    if (!claim) return null;
    if (claim.state === 'pending') {
      const claimed = await repos.computers.find(claim.computerId);
      if (claimed) return { kind: 'pending', request: claim, computer: claimed };
    }
    // Refused, or approved and since re-imaged again by another agent.
    return { kind: 'refused', request: claim };
  }

  /**
   * An agent claims to be an enrolled computer, re-imaged. A claim is not a proof: it
   * waits for an admin, and the computer keeps its credential and statuses meanwhile.
   */
  private async claimReimage(
    repos: Repositories,
    { request, token, nonceHash, now }: Enrolling,
    claimed: ComputerRecord,
  ): Promise<Outcome> {
    if (nonceHash === null) {
      // Thrown inside the transaction: the token use is not spent.
      throw new ConflictError(
        `${claimed.hostname} is enrolled already as ${claimed.id}; a re-image needs an ` +
          'agent that sends an enrollment nonce',
        { computerId: claimed.id },
        'already-enrolled',
      );
    }
    const claim: ReimageRequestRecord = {
      id: newId('rim'),
      computerId: claimed.id,
      nonceHash,
      enrollmentId: token.id,
      credentialHash: hashSecret(this.credentialFor(request)),
      inventory: request.inventory,
      state: 'pending',
      requestedAt: now,
      decidedAt: null,
      decidedBy: null,
    };
    await repos.reimages.insert(claim);
    if (!(await this.mayAutoApprove(repos, token, claimed, now))) {
      return { kind: 'pending', request: claim, computer: claimed };
    }
    await approveReimage(repos, claim, 'auto-approve', now);
    return {
      kind: 'enrolled',
      computerId: claimed.id,
      credential: this.credentialFor(request),
    };
  }

  /** Same group (the token enrolls into a group the computer is in) and silent long enough. */
  private async mayAutoApprove(
    repos: Repositories,
    token: EnrollmentRecord,
    claimed: ComputerRecord,
    now: number,
  ): Promise<boolean> {
    const after = this.options.reimageAutoApproveAfterSeconds;
    if (after === null || token.groupName === null || claimed.revokedAt !== null) return false;
    const silentMs = now - (claimed.lastSeenAt ?? claimed.enrolledAt);
    if (silentMs < after * 1000) return false;
    const groups = await repos.groups.groupNamesOf([claimed.id]);
    return (groups.get(claimed.id) ?? []).includes(token.groupName);
  }

  private credentialFor(request: EnrollRequest): string {
    return request.nonce === undefined
      ? generateSecret('rm_computer')
      : credentialFromNonce(request.nonce);
  }
}
