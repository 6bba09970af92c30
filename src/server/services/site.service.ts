import type { SiteRuleChange, SiteRuleRequest, SiteRuleView } from '../../contracts/site-rules.js';
import type { Clock } from '../../domain/clock.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import {
  compileRules,
  placeSite,
  samePlacement,
  type CompiledRules,
  type SitePlacement,
} from '../../domain/site/site-rules.js';
import type {
  ComputerRecord,
  ComputerRepository,
  PlacedAt,
} from '../../store/computer.repository.js';
import { isUniqueViolation } from '../../store/errors.js';
import type { SiteRuleRecord, SiteRuleRepository } from '../../store/site-rule.repository.js';
import { toInventory, toldSite } from './computer.mapper.js';
import type { MembershipService } from './membership.service.js';
import { newId } from './secrets.js';

/** Computers placed again per page when a rule changes: a bounded read and write each. */
export const PLACE_BATCH = 500;

export type SiteServiceDeps = {
  rules: SiteRuleRepository;
  computers: ComputerRepository;
  membership: MembershipService;
  /** The live deployments that placed a computer of this site (their readiness gate). */
  deploymentsOfSite: (site: string) => Promise<string[]>;
  /** Tells the engine these deployments' inputs changed (the readiness gate reads sites). */
  nudge: (deploymentIds: readonly string[]) => Promise<void>;
  clock: Clock;
};

/**
 * A computer's site: its agent's `--site`, else the subnet rule whose subnet holds the
 * address the server sees it at (the longest prefix), else none. Placed at enrollment
 * and at a check-in whose address or told site changed; placed again, a page at a time,
 * when a rule is added or removed.
 */
export class SiteService {
  constructor(private readonly deps: SiteServiceDeps) {}

  private async compiled(): Promise<CompiledRules<SiteRuleRecord>> {
    return compileRules(await this.deps.rules.list());
  }

  /** Where a computer that enrolls from `address` telling `reported` is. */
  async place(reported: string | null, address: string | null): Promise<PlacedAt> {
    const rules = reported === null ? await this.compiled() : compileRules([]);
    return { placement: placeSite(reported, rules, address), address };
  }

  /**
   * At a check-in: its placement when its told site or its address changed (the rules
   * are read then only), null when neither did.
   */
  async checkin(
    computer: ComputerRecord,
    reported: string | null,
    address: string | null,
  ): Promise<PlacedAt | null> {
    if (toldSite(computer) === reported && (computer.seenAddress ?? null) === address) return null;
    return this.place(reported, address);
  }

  async find(id: string): Promise<SiteRuleRecord> {
    const rule = await this.deps.rules.find(id);
    if (!rule) throw new NotFoundError('site rule', id);
    return rule;
  }

  async list(): Promise<{ items: SiteRuleView[] }> {
    const rules = await this.deps.rules.list();
    const counts = await this.deps.computers.countByRule();
    return { items: rules.map((r) => toView(r, counts.get(r.cidr) ?? 0)) };
  }

  async add(request: SiteRuleRequest, actor: string): Promise<SiteRuleChange> {
    // The contract gave the canonical subnet: one subnet, one rule.
    const { cidr, site } = request;
    const existing = await this.deps.rules.findByCidr(cidr);
    if (existing) throw duplicate(existing);
    const rule: SiteRuleRecord = {
      id: newId('srl'),
      cidr,
      site,
      createdAt: this.deps.clock.now(),
      createdBy: actor,
    };
    try {
      await this.deps.rules.insert(rule);
    } catch (error) {
      const raced = isUniqueViolation(error) ? await this.deps.rules.findByCidr(cidr) : undefined;
      if (raced) throw duplicate(raced);
      throw error;
    }
    const moved = await this.placeAgain();
    const counts = await this.deps.computers.countByRule();
    return { ...toView(rule, counts.get(cidr) ?? 0), moved };
  }

  async remove(id: string): Promise<SiteRuleChange> {
    const rule = await this.find(id);
    await this.deps.rules.remove(id);
    // Only the computers it placed can move: found by the rule, not by a fleet scan.
    const moved = await this.placeAgain(rule.cidr);
    return { ...toView(rule, 0), moved };
  }

  /**
   * Places again, a page at a time, the computers a rule may place (only those `rule`
   * placed, when given); moves those whose site changed, refreshes their query groups and
   * nudges the deployments of every site they left or joined. The number moved.
   */
  private async placeAgain(rule?: string): Promise<number> {
    const rules = await this.compiled();
    const sites = new Set<string>();
    let moved = 0;
    let after = '';
    for (;;) {
      const page = await this.deps.computers.placeable(after, PLACE_BATCH, rule);
      if (page.length === 0) break;
      after = page[page.length - 1]?.id ?? after;
      const changes = new Map<string, { placement: SitePlacement; ids: string[] }>();
      for (const c of page) {
        const next = placeSite(null, rules, c.address);
        if (samePlacement(c, next)) continue;
        if (c.site !== null) sites.add(c.site);
        if (next.site !== null) sites.add(next.site);
        const key = `${next.site ?? ''}\u0000${next.rule ?? ''}`;
        const change = changes.get(key) ?? { placement: next, ids: [] };
        change.ids.push(c.id);
        changes.set(key, change);
      }
      const ids: string[] = [];
      for (const change of changes.values()) {
        await this.deps.computers.place(change.ids, change.placement);
        ids.push(...change.ids);
      }
      moved += ids.length;
      // A query group may say `site = "tokyo"`.
      const records = await this.deps.computers.findMany(ids);
      await this.deps.membership.refreshComputers(
        records.map((r) => ({ id: r.id, inventory: toInventory(r) })),
      );
      if (page.length < PLACE_BATCH) break;
    }
    for (const site of sites) await this.deps.nudge(await this.deps.deploymentsOfSite(site));
    return moved;
  }
}

function duplicate(existing: SiteRuleRecord): ConflictError {
  return new ConflictError(
    `a rule for ${existing.cidr} exists already (${existing.id}, site ${existing.site}): remove it first`,
    { id: existing.id, cidr: existing.cidr, site: existing.site },
  );
}

function toView(rule: SiteRuleRecord, computers: number): SiteRuleView {
  return {
    id: rule.id,
    cidr: rule.cidr,
    site: rule.site,
    createdAt: new Date(rule.createdAt).toISOString(),
    createdBy: rule.createdBy,
    computers,
  };
}
