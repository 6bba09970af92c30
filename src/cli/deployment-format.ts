import type {
  DeploymentComputerView,
  DeploymentEventView,
  DeploymentView,
  DryRunView,
  PhaseView,
  StatusView,
} from '../contracts/api.js';
import { statusStates } from '../domain/status.js';
import { formatFields, formatTable, formatTime, orDash } from './output.js';

/** How deployments read for people: summaries, phase tables, events and dry runs. */

/** `installed 3 · failed 1 · pending 2 (of 6)`: only the states some computer is in. */
export function formatCounts(d: Pick<DeploymentView, 'counts' | 'total'>): string {
  const parts = statusStates
    .map((s) => [s, d.counts[s] ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`);
  return `${parts.length > 0 ? parts.join(' · ') : 'no computers'} (of ${d.total})`;
}

/** `25%`, `group srv+db`, `group srv, 10%`. */
export function formatPhaseTarget(p: {
  percent: number | null;
  groups: readonly string[];
}): string {
  const parts: string[] = [];
  if (p.groups.length > 0) parts.push(`group ${p.groups.join('+')}`);
  if (p.percent !== null) parts.push(`${p.percent}%`);
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** The last phase opened, as `early (2/3)`; `-` before the first opens. */
export function currentPhase(d: Pick<DeploymentView, 'phases'>): string {
  const open = d.phases.filter((p) => p.openedAt !== null);
  const last = open[open.length - 1];
  return last ? `${last.name} (${last.index + 1}/${d.phases.length})` : '-';
}

/** The deployment's updates; a server older than multi-update deployments sends only `updateId`. */
export function updatesOf(d: Pick<DeploymentView, 'updateId' | 'updates'>): string[] {
  return d.updates ?? [d.updateId];
}

/** One line per update of a deployment of several, with its own counts. */
function perUpdate(d: DeploymentView): [string, string][] {
  const updates = updatesOf(d);
  if (updates.length < 2) return [];
  return updates.map((u) => {
    const counts = d.countsByUpdate?.[u];
    if (!counts) return [`  ${u}`, '-'];
    const total = statusStates.reduce((n, s) => n + counts[s], 0);
    return [`  ${u}`, formatCounts({ counts, total })];
  });
}

export function formatSummary(d: DeploymentView): string {
  return formatFields([
    ['ID', d.id],
    [updatesOf(d).length > 1 ? 'Updates' : 'Update', updatesOf(d).join(', ')],
    ['Groups', d.groups.join(', ')],
    ['Action', d.action],
    ['State', d.state],
    ['Reason', orDash(d.stateReason)],
    ['Waiting for', orDash(d.waitingFor)],
    ['Phase', currentPhase(d)],
    ['Emergency', d.emergency === null ? 'no' : `yes: ${d.emergency}`],
    ['Deadline', formatTime(d.deadline)],
    ['Created', formatTime(d.createdAt)],
    [updatesOf(d).length > 1 ? 'Computer × update' : 'Computers', formatCounts(d)],
    ...perUpdate(d),
    ...lastHeardLines(d.lastHeard),
  ]);
}

/** `Last heard (installed): status 2026-…, check-in 2026-…`, one line per state with computers. */
function lastHeardLines(heard: DeploymentView['lastHeard'] | undefined): [string, string][] {
  if (!heard) return [];
  return statusStates
    .filter((s) => heard[s] !== undefined)
    .map((s): [string, string] => {
      const h = heard[s];
      return [
        `Last heard (${s})`,
        `status ${formatTime(h?.statusAt ?? null)}, check-in ${formatTime(h?.checkinAt ?? null)}`,
      ];
    });
}

/** The newest check-in of any computer of a phase. */
function phaseLastHeard(p: PhaseView): string | null {
  let newest: string | null = null;
  for (const h of Object.values(p.lastHeard ?? {})) {
    if (h.checkinAt !== null && (newest === null || h.checkinAt > newest)) newest = h.checkinAt;
  }
  return newest;
}

const count = (p: PhaseView, ...states: (typeof statusStates)[number][]): string =>
  String(states.reduce((n, s) => n + (p.counts[s] ?? 0), 0));

export function formatPhases(phases: readonly PhaseView[]): string {
  if (phases.length === 0) return '(no phases)';
  return formatTable(
    ['#', 'PHASE', 'TARGET', 'OPENED', 'SIZE', 'INSTALLED', 'FAILED', 'CANCELLED', 'LAST HEARD'],
    phases.map((p) => [
      String(p.index + 1),
      p.name,
      formatPhaseTarget(p),
      p.openedAt === null ? 'not yet' : formatTime(p.openedAt),
      String(p.size),
      count(p, 'installed', 'not-applicable'),
      count(p, 'failed', 'uninstall-failed'),
      count(p, 'cancelled'),
      formatTime(phaseLastHeard(p)),
    ]),
  );
}

export function formatDeploymentComputers(computers: readonly DeploymentComputerView[]): string {
  if (computers.length === 0) return '(no computers)';
  return formatTable(
    ['HOSTNAME', 'PHASE', 'STATE', 'REASON', 'EXIT CODE', 'UPDATED', 'LAST SEEN', 'WHY'],
    computers.map((s) => [
      s.hostname,
      orDash(s.phase),
      s.state,
      orDash(s.reason),
      orDash(s.exitCode),
      formatTime(s.updatedAt),
      formatTime(s.lastSeenAt ?? null),
      formatWhy(s),
    ]),
  );
}

/** Why a status waits, then `needs investigation: …` when it is stale; `-` for neither. */
export function formatWhy(s: Pick<StatusView, 'why' | 'stale'>): string {
  const parts = [s.why, s.stale?.message].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join('; ') : '-';
}

export function formatEvents(events: readonly DeploymentEventView[]): string {
  if (events.length === 0) return '(no events)';
  return formatTable(
    ['TIME', 'TYPE', 'PHASE', 'ACTOR', 'MESSAGE'],
    events.map((e) => [formatTime(e.at), e.type, orDash(e.phase), e.actor, e.message]),
  );
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : `${by}${l}`))
    .join('\n');

/**
 * A dry run for people: each phase with its target, when it may open and why, its gate,
 * and its computers (at most `limit` of them, then a count; 0 shows all), then the
 * computers no phase reaches.
 */
export function formatDryRun(run: DryRunView, limit = 10): string {
  const cut = <T>(list: readonly T[]): { shown: readonly T[]; more: number } =>
    limit > 0 && list.length > limit
      ? { shown: list.slice(0, limit), more: list.length - limit }
      : { shown: list, more: 0 };
  const blocks = run.phases.map((p, i) => {
    const { shown, more } = cut(p.computers);
    const lines = [
      `Phase ${i + 1}/${run.phases.length}: ${p.name} — ${formatPhaseTarget(p)}, ${p.computers.length} computer(s)`,
      indent(
        formatFields([
          ['Opens', `${formatTime(p.earliestOpenAt)} (${p.openWhy})`],
          ['Gate', p.gate],
        ]),
      ),
    ];
    if (shown.length > 0) {
      lines.push(
        indent(
          formatTable(
            ['HOSTNAME', 'EARLIEST START', 'WHY'],
            shown.map((c) => [c.hostname, formatTime(c.earliestStartAt), c.why]),
          ),
        ),
      );
    } else lines.push('  (no computers)');
    if (more > 0) lines.push(`  … and ${more} more`);
    return lines.join('\n');
  });
  const { shown, more } = cut(run.unreached);
  blocks.push(
    run.unreached.length === 0
      ? 'Every computer of the target is reached.'
      : `Not reached by any phase (${run.unreached.length}): ${shown.map((c) => c.hostname).join(', ')}${more > 0 ? `, … and ${more} more` : ''}`,
  );
  return blocks.join('\n\n');
}
