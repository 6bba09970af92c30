import type { Inventory } from '../../contracts/inventory.js';
import { matchesGroupQuery, parseGroupQuery, type QueryNode } from '../../domain/group-query.js';
import type { ComputerRepository } from '../../store/computer.repository.js';
import type { GroupRecord, GroupRepository } from '../../store/group.repository.js';
import { toInventory } from './computer.mapper.js';

/** Keeps query groups' membership in step with inventory. */
export class MembershipService {
  constructor(
    private readonly groups: GroupRepository,
    private readonly computers: ComputerRepository,
    /** Told which computers may have joined a deployment's target. */
    private readonly joined: (computerIds: readonly string[]) => Promise<void> = () =>
      Promise.resolve(),
  ) {}

  /** After static members were added (or a computer enrolled into a group). */
  async added(computerIds: readonly string[]): Promise<void> {
    await this.joined(computerIds);
  }

  /** Re-evaluates every query group for one computer whose inventory changed. */
  async refreshComputer(computerId: string, inventory: Inventory): Promise<void> {
    const queryGroups = await this.groups.listQueryGroups();
    const matching = queryGroups.filter((g) => this.matches(g, inventory)).map((g) => g.id);
    await this.groups.setQueryMemberships(
      computerId,
      queryGroups.map((g) => g.id),
      matching,
    );
    await this.joined([computerId]);
  }

  /** Evaluates one query group over the whole fleet. */
  async refreshGroup(group: Pick<GroupRecord, 'id' | 'query'>): Promise<void> {
    const all = await this.computers.list();
    const current = new Set((await this.groups.members(group.id)).map((m) => m.id));
    const matching = new Set(
      all.filter((c) => this.matches(group, toInventory(c))).map((c) => c.id),
    );
    await this.groups.addMembers(
      group.id,
      [...matching].filter((id) => !current.has(id)),
    );
    await this.groups.removeMembers(
      group.id,
      [...current].filter((id) => !matching.has(id)),
    );
    await this.joined([...matching].filter((id) => !current.has(id)));
  }

  /** The computers a query would make members now (as refreshGroup would), sorted by hostname. */
  async preview(query: QueryNode): Promise<{ id: string; hostname: string }[]> {
    return (await this.computers.list())
      .filter((c) => matchesGroupQuery(query, toInventory(c)))
      .map((c) => ({ id: c.id, hostname: c.hostname }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  }

  private matches(group: Pick<GroupRecord, 'query'>, inventory: Inventory): boolean {
    if (group.query === null) return false;
    const parsed = parseGroupQuery(group.query);
    return parsed.ok && matchesGroupQuery(parsed.query, inventory);
  }
}
