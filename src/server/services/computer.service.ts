import type { DistributionRepository } from '../../store/distribution.repository.js';
import type { ComputerDetailView, ComputerView } from '../../contracts/api.js';
import type { Clock } from '../../domain/clock.js';
import type { ComputerListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import { computerHealth, offlineAfterMs } from '../../domain/computer-health.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { ComputerRecord, ComputerRepository } from '../../store/computer.repository.js';
import type { AbsenceRepository } from '../../store/absence.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { ReimageRepository } from '../../store/reimage.repository.js';
import type { RejectionRepository } from '../../store/rejection.repository.js';
import type { StatusRepository } from '../../store/status.repository.js';
import { toAbsenceView, toComputerView, toRejectionView } from './computer.mapper.js';
import type { StatusExplainer } from './status-explainer.js';
import { toReimageRequestView } from './reimage.service.js';

export class ComputerService {
  constructor(
    private readonly computers: ComputerRepository,
    private readonly groups: GroupRepository,
    private readonly statuses: StatusRepository,
    private readonly absences: AbsenceRepository,
    private readonly reimages: ReimageRepository,
    private readonly rejections: RejectionRepository,
    private readonly clock: Clock,
    private readonly checkinIntervalSeconds: number,
    private readonly explainer: StatusExplainer,
    /** Ends the revoked computers' push streams (on every replica). */
    private readonly onRevoked: (computerIds: string[]) => Promise<void> = () => Promise.resolve(),
    /** Bad copies its agent found at distribution points; none: not kept. */
    private readonly distribution: DistributionRepository | null = null,
  ) {}

  private health(computer: ComputerRecord) {
    return computerHealth(computer.lastSeenAt, this.checkinIntervalSeconds, this.clock.now());
  }

  private async view(row: ComputerRecord): Promise<ComputerView> {
    const groups = await this.groups.groupNamesOf([row.id]);
    const absences = await this.absences.forComputer(row.id);
    return toComputerView(row, groups.get(row.id) ?? [], this.health(row), absences[0]);
  }

  /** One page: the page's rows, their groups and latest absences, each in one query. */
  async list(query: ComputerListQuery): Promise<Page<ComputerView>> {
    const { q, group, health, site, os, ...page } = query;
    const onlineSince = this.clock.now() - offlineAfterMs(this.checkinIntervalSeconds);
    const result = await this.computers.page(
      { q, group, site, os, health: health && { state: health, onlineSince } },
      page,
    );
    const ids = result.items.map((r) => r.id);
    const groups = await this.groups.groupNamesOf(ids);
    const latest = await this.absences.latest(ids);
    return {
      ...result,
      items: result.items.map((row) =>
        toComputerView(row, groups.get(row.id) ?? [], this.health(row), latest.get(row.id)),
      ),
    };
  }

  /** By id, or by hostname when exactly one computer has it. */
  async resolve(idOrHostname: string): Promise<ComputerRecord> {
    const found = await this.computers.findByIdOrHostname(idOrHostname);
    const byId = found.find((c) => c.id === idOrHostname);
    if (byId) return byId;
    if (found.length === 0) throw new NotFoundError('computer', idOrHostname);
    if (found.length > 1) {
      throw new ConflictError(
        `${found.length} computers are named "${idOrHostname}"; use the computer id`,
        { ids: found.map((c) => c.id) },
        'ambiguous',
      );
    }
    return found[0] as ComputerRecord;
  }

  async show(idOrHostname: string): Promise<ComputerDetailView> {
    const row = await this.resolve(idOrHostname);
    const groups = await this.groups.groupNamesOf([row.id]);
    const statuses = await this.statuses.forComputer(row.id);
    const absences = await this.absences.forComputer(row.id);
    const reimages = await this.reimages.list(row.id);
    const rejections = await this.rejections.forComputer(row.id);
    const problems = (await this.distribution?.problemsOf(row.id)) ?? [];
    return {
      ...toComputerView(row, groups.get(row.id) ?? [], this.health(row), absences[0]),
      statuses: await this.explainer.computerStatuses(row, groups.get(row.id) ?? [], statuses),
      absences: absences.map(toAbsenceView),
      rejections: rejections.map(toRejectionView),
      contentProblems: problems.map((p) => ({
        pointId: p.pointId,
        sha256: p.sha256,
        problem: p.problem,
        detail: p.detail,
        at: new Date(p.at).toISOString(),
      })),
      reimageRequests: reimages.map(toReimageRequestView),
    };
  }

  /** Its credential stops working at once; revoking twice keeps the first who and when. */
  async revoke(idOrHostname: string, by: string): Promise<ComputerView> {
    const found = await this.resolve(idOrHostname);
    await this.computers.revoke(found.id, by, this.clock.now());
    await this.onRevoked([found.id]);
    const row = await this.computers.find(found.id);
    if (!row) throw new NotFoundError('computer', idOrHostname);
    return this.view(row);
  }
}
