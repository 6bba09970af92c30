import { ValidationError } from '../errors.js';
import type { DeploymentPlan } from '../rollout/plan.js';

/**
 * What a bundle's deployment becomes on the server that imports it: its target groups
 * (and the groups its plan names) renamed as the admin maps them, and which of them do
 * not exist there. Pure: the caller says which groups exist.
 */

/** `a=b,c=d` → a→b, c→d. Every pair names both sides; a group is mapped once. */
export function parseGroupMap(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (text === undefined || text.trim() === '') return map;
  for (const pair of text.split(',')) {
    const [from, to, extra] = pair.split('=').map((s) => s.trim());
    if (!from || !to || extra !== undefined) {
      throw new ValidationError(`mapGroups: "${pair.trim()}" is not FROM=TO`, [
        { field: 'mapGroups', message: `"${pair.trim()}" is not FROM=TO` },
      ]);
    }
    if (map.has(from)) {
      throw new ValidationError(`mapGroups: "${from}" is mapped twice`, [
        { field: 'mapGroups', message: `"${from}" is mapped twice` },
      ]);
    }
    map.set(from, to);
  }
  return map;
}

export type MappedGroup = { name: string; mappedTo: string; exists: boolean };

export type MappedTargets = {
  groups: string[];
  plan: DeploymentPlan;
  /** Every group the deployment or its plan names, in the order first named. */
  report: MappedGroup[];
  missing: string[];
};

/** The groups a plan names besides the targets: phases' groups and recurrence by group. */
function planGroups(plan: DeploymentPlan): string[] {
  return [...plan.phases.flatMap((p) => p.groups ?? []), ...Object.keys(plan.recurrenceByGroup)];
}

export function mapTargets(
  groups: readonly string[],
  plan: DeploymentPlan,
  map: ReadonlyMap<string, string>,
  existing: ReadonlySet<string>,
): MappedTargets {
  const named = [...new Set([...groups, ...planGroups(plan)])];
  const unknown = [...map.keys()].filter((from) => !named.includes(from));
  if (unknown.length > 0) {
    throw new ValidationError(
      `mapGroups: the bundle names no group ${unknown.map((g) => `"${g}"`).join(', ')} (it names ${named.join(', ')})`,
      [{ field: 'mapGroups', message: `not in the bundle: ${unknown.join(', ')}` }],
    );
  }
  const to = (name: string) => map.get(name) ?? name;
  const report = named.map((name) => ({
    name,
    mappedTo: to(name),
    exists: existing.has(to(name)),
  }));
  const mappedPlan: DeploymentPlan = {
    ...plan,
    phases: plan.phases.map((p) => (p.groups ? { ...p, groups: p.groups.map(to) } : p)),
    recurrenceByGroup: Object.fromEntries(
      Object.entries(plan.recurrenceByGroup).map(([g, seconds]) => [to(g), seconds]),
    ),
  };
  return {
    groups: groups.map(to),
    plan: mappedPlan,
    report,
    missing: [...new Set(report.filter((g) => !g.exists).map((g) => g.mappedTo))],
  };
}

/**
 * The files a bundle's index lists against those its archive carried: each listed file
 * must arrive once, with the size listed (its hash is checked as it is read).
 */
export function missingFiles(
  listed: ReadonlyMap<string, number>,
  received: ReadonlyMap<string, number>,
): string[] {
  const issues: string[] = [];
  for (const [sha256, size] of listed) {
    const got = received.get(sha256);
    if (got === undefined) issues.push(`content/${sha256} is listed but not in the bundle`);
    else if (got !== size) issues.push(`content/${sha256} holds ${got} bytes, listed as ${size}`);
  }
  return issues;
}
