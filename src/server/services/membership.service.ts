import type { Inventory } from '../../contracts/inventory.js';
import {
  matchesGroupQuery,
  parseGroupQuery,
  queryPackageNames,
  type QueryInventory,
  type QueryNode,
} from '../../domain/group-query.js';
import type { ComputerPackage, ComputerRepository } from '../../store/computer.repository.js';
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
    await this.refreshComputers([{ id: computerId, inventory }]);
  }

  /** The same for several computers (a subnet rule moved them): the groups read once. */
  async refreshComputers(
    computers: readonly { id: string; inventory: Inventory }[],
  ): Promise<void> {
    if (computers.length === 0) return;
    const queryGroups = await this.groups.listQueryGroups();
    const parsed = queryGroups.map((g) => ({ id: g.id, query: parsedQuery(g.query) }));
    const names = new Set(parsed.flatMap((g) => (g.query ? queryPackageNames(g.query) : [])));
    const packages = await this.computers.packagesNamed(
      [...names],
      computers.map((c) => c.id),
    );
    const memberships = computers.map(({ id, inventory }) => {
      const inv = withPackages(
        inventory,
        packages.filter((p) => p.computerId === id),
      );
      const matchingIds = parsed
        .filter((g) => g.query !== null && matchesGroupQuery(g.query, inv))
        .map((g) => g.id);
      return { computerId: id, matchingIds };
    });
    await this.groups.setQueryMembershipsOf(
      queryGroups.map((g) => g.id),
      memberships,
    );
    await this.joined(computers.map((c) => c.id));
  }

  /** Evaluates one query group over the whole fleet. */
  async refreshGroup(group: Pick<GroupRecord, 'id' | 'query'>): Promise<void> {
    const all = await this.computers.list();
    const current = new Set((await this.groups.members(group.id)).map((m) => m.id));
    const query = parsedQuery(group.query);
    const packages = await this.packagesByComputer(query);
    const matching = new Set(
      query === null
        ? []
        : all
            .filter((c) =>
              matchesGroupQuery(query, withPackages(toInventory(c), packages.get(c.id))),
            )
            .map((c) => c.id),
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
    const packages = await this.packagesByComputer(query);
    return (await this.computers.list())
      .filter((c) => matchesGroupQuery(query, withPackages(toInventory(c), packages.get(c.id))))
      .map((c) => ({ id: c.id, hostname: c.hostname }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  }

  /** The packages a query names, of every computer, by computer id (none: no lookup). */
  private async packagesByComputer(
    query: QueryNode | null,
  ): Promise<Map<string, ComputerPackage[]>> {
    const byComputer = new Map<string, ComputerPackage[]>();
    const names = query ? queryPackageNames(query) : [];
    if (names.length === 0) return byComputer;
    for (const p of await this.computers.packagesNamed(names)) {
      const list = byComputer.get(p.computerId);
      if (list) list.push(p);
      else byComputer.set(p.computerId, [p]);
    }
    return byComputer;
  }
}

function parsedQuery(text: string | null): QueryNode | null {
  if (text === null) return null;
  const parsed = parseGroupQuery(text);
  return parsed.ok ? parsed.query : null;
}

function withPackages(
  inventory: Inventory,
  packages: readonly ComputerPackage[] | undefined,
): QueryInventory {
  return packages && packages.length > 0 ? { ...inventory, packages } : inventory;
}
