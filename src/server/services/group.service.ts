import type { CreateGroupRequest, GroupDetailView, GroupView } from '../../contracts/api.js';
import { maintenanceWindowSchema, type MaintenanceWindow } from '../../contracts/plan.js';
import type { DryRunComputer } from '../../domain/rollout/dry-run.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseGroupQuery } from '../../domain/group-query.js';
import type { GroupRecord, GroupRepository } from '../../store/group.repository.js';
import type { ComputerService } from './computer.service.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

export function parseWindows(text: string): MaintenanceWindow[] {
  return maintenanceWindowSchema.array().parse(JSON.parse(text));
}

function toGroupView(row: GroupRecord): GroupView {
  return {
    id: row.id,
    name: row.name,
    kind: row.query === null ? 'static' : 'query',
    query: row.query,
    memberCount: row.member_count,
    windows: parseWindows(row.windows),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

/** Static groups (members added by hand) and query groups (members by inventory). */
export class GroupService {
  constructor(
    private readonly groups: GroupRepository,
    private readonly computers: ComputerService,
    private readonly membership: MembershipService,
    private readonly clock: Clock,
  ) {}

  async create(request: CreateGroupRequest): Promise<GroupView> {
    if (request.query !== undefined) {
      const parsed = parseGroupQuery(request.query);
      if (!parsed.ok) {
        throw new ValidationError(`query: ${parsed.error}`, [
          { field: 'query', message: parsed.error },
        ]);
      }
    }
    if (await this.groups.findByName(request.name)) {
      throw new ConflictError(`group "${request.name}" already exists`, { name: request.name });
    }
    const row = {
      id: newId('grp'),
      name: request.name,
      query: request.query ?? null,
      created_at: this.clock.now(),
    };
    await this.groups.insert(row);
    if (row.query !== null) await this.membership.refreshGroup(row);
    return toGroupView(await this.record(request.name));
  }

  private async record(name: string): Promise<GroupRecord> {
    const group = await this.groups.findByName(name);
    if (!group) throw new NotFoundError('group', name);
    return group;
  }

  async find(
    name: string,
  ): Promise<Omit<GroupRecord, 'windows'> & { windows: MaintenanceWindow[] }> {
    const group = await this.record(name);
    return { ...group, windows: parseWindows(group.windows) };
  }

  async exists(name: string): Promise<boolean> {
    return (await this.groups.findByName(name)) !== undefined;
  }

  /** Replaces a group's maintenance windows. */
  async setWindows(name: string, windows: MaintenanceWindow[]): Promise<GroupView> {
    const group = await this.find(name);
    await this.groups.setWindows(group.id, JSON.stringify(windows));
    return toGroupView(await this.record(name));
  }

  async windowsByGroup(): Promise<Record<string, MaintenanceWindow[]>> {
    const all = await this.groups.list();
    return Object.fromEntries(all.map((g) => [g.name, parseWindows(g.windows)]));
  }

  /** The computers of some groups, each with all of its group names. */
  async computersOf(names: readonly string[]): Promise<DryRunComputer[]> {
    const byId = new Map<string, { id: string; hostname: string }>();
    for (const name of names) {
      const group = await this.find(name);
      for (const m of await this.groups.members(group.id)) byId.set(m.id, m);
    }
    const groups = await this.groups.groupNamesOf([...byId.keys()]);
    return [...byId.values()].map((c) => ({ ...c, groups: groups.get(c.id) ?? [] }));
  }

  async addMembers(name: string, computers: string[]): Promise<GroupDetailView> {
    const group = await this.record(name);
    if (group.query !== null) {
      throw new ConflictError(
        `group "${name}" is a query group: its members follow its query (${group.query})`,
        { name },
      );
    }
    const ids: string[] = [];
    for (const c of computers) ids.push((await this.computers.resolve(c)).id);
    await this.groups.addMembers(group.id, ids);
    await this.membership.added(ids);
    return this.show(name);
  }

  async list(): Promise<GroupView[]> {
    return (await this.groups.list()).map(toGroupView);
  }

  async show(name: string): Promise<GroupDetailView> {
    const group = await this.record(name);
    return { ...toGroupView(group), members: await this.groups.members(group.id) };
  }

  async requireId(name: string): Promise<string> {
    return (await this.record(name)).id;
  }
}
