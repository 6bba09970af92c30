import type { GroupListQuery } from '../../contracts/list-queries.js';
import type { Page } from '../../contracts/paging.js';
import type {
  CreateGroupRequest,
  GroupDetailView,
  GroupPreviewView,
  GroupView,
} from '../../contracts/api.js';
import type { ClientPolicy, MaintenanceWindow } from '../../contracts/plan.js';
import type { DryRunComputer } from '../../domain/rollout/dry-run.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseGroupQuery } from '../../domain/group-query.js';
import type { CountedGroupRecord, GroupRepository } from '../../store/group.repository.js';
import type { ComputerService } from './computer.service.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

function toGroupView(group: CountedGroupRecord): GroupView {
  return {
    id: group.id,
    name: group.name,
    kind: group.query === null ? 'static' : 'query',
    query: group.query,
    memberCount: group.memberCount,
    windows: group.windows,
    policy: group.policy,
    ownerEmail: group.ownerEmail,
    createdAt: new Date(group.createdAt).toISOString(),
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
    const group = {
      id: newId('grp'),
      name: request.name,
      query: request.query ?? null,
      policy: request.policy ?? null,
      createdAt: this.clock.now(),
    };
    await this.groups.insert(group);
    if (group.query !== null) await this.membership.refreshGroup(group);
    return toGroupView(await this.find(request.name));
  }

  /** How many computers a query reaches now, and the first `limit` of them by hostname. */
  async preview(query: string, limit = 20): Promise<GroupPreviewView> {
    const parsed = parseGroupQuery(query);
    if (!parsed.ok) {
      throw new ValidationError(`query: ${parsed.error}`, [
        { field: 'query', message: parsed.error },
      ]);
    }
    const members = await this.membership.preview(parsed.query);
    return { count: members.length, members: members.slice(0, limit) };
  }

  async find(name: string): Promise<CountedGroupRecord> {
    const group = await this.groups.findByName(name);
    if (!group) throw new NotFoundError('group', name);
    return group;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.groups.findByName(name)) !== undefined;
  }

  /** Replaces a group's maintenance windows. */
  async setWindows(name: string, windows: MaintenanceWindow[]): Promise<GroupView> {
    const group = await this.find(name);
    await this.groups.setWindows(group.id, windows);
    return toGroupView(await this.find(name));
  }

  /** Sets the client policy of a group's computers, or clears it (null). */
  async setPolicy(name: string, policy: ClientPolicy | null): Promise<GroupView> {
    const group = await this.find(name);
    await this.groups.setPolicy(group.id, policy);
    return toGroupView(await this.find(name));
  }

  async setOwnerEmail(name: string, ownerEmail: string | null): Promise<GroupView> {
    const group = await this.find(name);
    await this.groups.setOwnerEmail(group.id, ownerEmail);
    return toGroupView(await this.find(name));
  }

  /** Each group's owner e-mail, by name, for the groups that set one. */
  async ownerEmailsByGroup(): Promise<Map<string, string>> {
    const all = await this.groups.list();
    return new Map(all.flatMap((g) => (g.ownerEmail === null ? [] : [[g.name, g.ownerEmail]])));
  }

  async windowsByGroup(): Promise<Record<string, MaintenanceWindow[]>> {
    const all = await this.groups.list();
    return Object.fromEntries(all.map((g) => [g.name, g.windows]));
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
    const group = await this.find(name);
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

  async list(query: GroupListQuery): Promise<Page<GroupView>> {
    const { q, kind, ...page } = query;
    const result = await this.groups.page({ q, kind }, page);
    return { ...result, items: result.items.map(toGroupView) };
  }

  async show(name: string): Promise<GroupDetailView> {
    const group = await this.find(name);
    return { ...toGroupView(group), members: await this.groups.members(group.id) };
  }

  async requireId(name: string): Promise<string> {
    return (await this.find(name)).id;
  }
}
