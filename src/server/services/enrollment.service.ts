import type { EnrollmentView } from '../../contracts/api.js';
import type { EnrollRequest, EnrollResponse } from '../../contracts/agent-protocol.js';
import type { Clock } from '../../domain/clock.js';
import { NotFoundError, UnauthorizedError } from '../../domain/errors.js';
import type { ComputerRepository } from '../../store/computer.repository.js';
import type { EnrollmentRecord, EnrollmentRepository } from '../../store/enrollment.repository.js';
import type { EventRepository } from '../../store/event.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import { inventoryColumns } from './computer.mapper.js';
import type { MembershipService } from './membership.service.js';
import { generateSecret, hashSecret, newId } from './secrets.js';

function toEnrollmentView(row: EnrollmentRecord, token?: string): EnrollmentView {
  return {
    id: row.id,
    ...(token ? { token } : {}),
    group: row.group_name,
    expiresAt: row.expires_at === null ? null : new Date(Number(row.expires_at)).toISOString(),
    usesLeft: row.uses_left === null ? null : Number(row.uses_left),
    uses: Number(row.uses),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

/** Enrollment tokens, and the enrollment of a computer with one. */
export class EnrollmentService {
  constructor(
    private readonly enrollments: EnrollmentRepository,
    private readonly computers: ComputerRepository,
    private readonly groups: GroupRepository,
    private readonly events: EventRepository,
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
      token_hash: hashSecret(token),
      group_id: groupId,
      expires_at: now + request.expiresInSeconds * 1000,
      uses_left: request.uses ?? null,
      created_at: now,
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
    const columns = inventoryColumns(request.inventory);
    const previous = await this.computers.findReimaged(columns.hostname, columns.hardware_id);
    let computerId: string;
    if (previous) {
      // Same hostname and hardware, new identity: the computer was re-imaged. It is
      // the same computer, now with none of its updates.
      computerId = previous.id;
      await this.computers.reimage(computerId, hashSecret(credential), columns, now);
      await this.events.addComputerEvents([
        {
          id: newId('cev'),
          computer_id: computerId,
          kind: 'reimaged',
          from_at: previous.last_seen_at === null ? now : Number(previous.last_seen_at),
          to_at: now,
          detail: 're-enrolled with the same hostname and hardware id; its updates are gone',
          received_at: now,
        },
      ]);
    } else {
      computerId = newId('cmp');
      await this.computers.insert({
        id: computerId,
        credential_hash: hashSecret(credential),
        ...columns,
        enrolled_at: now,
        last_seen_at: now,
      });
    }
    if (token.group_id !== null) await this.groups.addMembers(token.group_id, [computerId]);
    await this.membership.refreshComputer(computerId, request.inventory);
    return { computerId, credential };
  }
}
