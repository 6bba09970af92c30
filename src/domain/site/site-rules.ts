import { cidrContains, parseAddress, parseCidr, type Cidr } from './cidr.js';

/** A subnet rule: computers seen from an address in `cidr` are at `site`. */
export type SiteRule = { cidr: string; site: string };

/** Where a computer's site came from: its agent (`--site`), a subnet rule, or nowhere. */
export type SiteSource = 'agent' | 'rule';

/** A computer's effective site and where it came from (`rule`: the rule's subnet). */
export type SitePlacement = { site: string | null; source: SiteSource | null; rule: string | null };

/** Rules read once for many matches: each subnet parsed, longest prefix first. */
export type CompiledRules<R extends SiteRule = SiteRule> = readonly { rule: R; cidr: Cidr }[];

/** Rules whose subnet does not parse (none are stored so) are left out. */
export function compileRules<R extends SiteRule>(rules: readonly R[]): CompiledRules<R> {
  return rules
    .flatMap((rule) => {
      const parsed = parseCidr(rule.cidr);
      return parsed.ok ? [{ rule, cidr: parsed.cidr }] : [];
    })
    .sort((a, b) => b.cidr.prefix - a.cidr.prefix);
}

/**
 * The rule of the longest prefix that holds the address (subnets are unique, so there
 * is one), or null: no rule holds it, or it is not an address.
 */
export function matchRule<R extends SiteRule>(
  rules: CompiledRules<R>,
  address: string | null,
): R | null {
  const at = address === null ? null : parseAddress(address);
  if (at === null) return null;
  return rules.find((r) => cidrContains(r.cidr, at))?.rule ?? null;
}

/** The agent's `--site` wins; else the rule that holds the address; else no site. */
export function placeSite(
  reported: string | null,
  rules: CompiledRules,
  address: string | null,
): SitePlacement {
  if (reported !== null) return { site: reported, source: 'agent', rule: null };
  const rule = matchRule(rules, address);
  return rule
    ? { site: rule.site, source: 'rule', rule: rule.cidr }
    : { site: null, source: null, rule: null };
}

export function samePlacement(a: SitePlacement, b: SitePlacement): boolean {
  return a.site === b.site && a.source === b.source && a.rule === b.rule;
}

/** Where the site came from, in words: `agent`, `subnet rule 10.1.0.0/16`, or null. */
export function describeSiteSource(p: Pick<SitePlacement, 'source' | 'rule'>): string | null {
  if (p.source === 'agent') return 'agent';
  if (p.source === 'rule') return `subnet rule ${p.rule ?? '?'}`;
  return null;
}
