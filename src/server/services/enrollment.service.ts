import type { EnrollmentView } from '../../contracts/api.js';
import type { EnrollRequest, EnrollResponse } from '../../contracts/agent-protocol.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError, UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRepository } from '../../store/computer.repository.js';
import type { EnrollmentRecord, EnrollmentRepository } from '../../store/enrollment.repository.js';
import type { AbsenceRepository } from '../../store/absence.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { MembershipService } from './membership.service.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

function toEnrollmentView(enrollment: EnrollmentRecord, token?: string): EnrollmentView {
  return {
    id: enrollment.id,
    ...(token ? { token } : {}),
    group: enrollment.groupName,
    expiresAt: enrollment.expiresAt === null ? null : new Date(enrollment.expiresAt).toISOString(),
    usesLeft: enrollment.usesLeft,
    uses: enrollment.uses,
    createdAt: new Date(enrollment.createdAt).toISOString(),
  };
}

/** Enrollment tokens, and the enrollment of a computer with one. */
export class EnrollmentService {
  constructor(
    private readonly enrollments: EnrollmentRepository,
    private readonly computers: ComputerRepository,
    private readonly groups: GroupRepository,
    private readonly absences: AbsenceRepository,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
  ) {}

  async create(request: {
    group?: string | undefined;
    expiresInSeconds: number;
    uses?: number | undefined;
  }): Promise<EnrollmentView> {
    let groupId: string | null = null;
    if (request.group !== undefined) {
      const group = await this.groups.findByName(request.group);
      if (!group) throw new NotFoundError('group', request.group);
      groupId = group.id;
    }
    const token = generateSecret('rm_enroll');
    const now = this.clock.now();
    const id = newId('enr');
    await this.enrollments.insert({
      id,
      tokenHash: hashSecret(token),
      groupId,
      expiresAt: now + request.expiresInSeconds * 1000,
      usesLeft: request.uses ?? null,
      createdAt: now,
    });
    const row = await this.enrollments.find(id);
    if (!row) throw new NotFoundError('enrollment', id);
    return toEnrollmentView(row, token);
  }

  async list(): Promise<EnrollmentView[]> {
    return (await this.enrollments.list()).map((row) => toEnrollmentView(row));
  }

  /** Gives a new computer its own credential; the server keeps only its hash. */
  async enroll(request: EnrollRequest): Promise<EnrollResponse> {
    const now = this.clock.now();
    const token = await this.enrollments.findByHash(hashSecret(request.enrollmentToken));
    if (!token) throw new UnauthorizedError('the enrollment token is not valid');
    if (!(await this.enrollments.consume(token.id, now))) {
      throw new UnauthorizedError('the enrollment token has expired or has no uses left');
    }
    const credential = generateSecret('rm_computer');
    const { inventory } = request;
    const previous = await this.computers.findReimaged(inventory.hostname, inventory.hardwareId);
    let computerId: string;
    if (previous) {
      // Same hostname and hardware, new identity: the computer was re-imaged. It is
      // the same computer, now with none of its updates.
      computerId = previous.id;
      await this.computers.reimage(computerId, hashSecret(credential), inventory, now);
      await this.absences.add([
        {
          id: newId('abs'),
          computerId,
          kind: 'reimaged',
          from: previous.lastSeenAt ?? now,
          to: now,
          detail: 're-enrolled with the same hostname and hardware id; its updates are gone',
          receivedAt: now,
        },
      ]);
    } else {
      computerId = newId('cmp');
      await this.computers.insert({
        id: computerId,
        credentialHash: hashSecret(credential),
        ...inventory,
        enrolledAt: now,
        lastSeenAt: now,
      });
    }
    if (token.groupId !== null) await this.groups.addMembers(token.groupId, [computerId]);
    await this.membership.refreshComputer(computerId, inventory);
    return { computerId, credential };
  }
}
