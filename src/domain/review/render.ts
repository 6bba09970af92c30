import { formatDuration } from '../rollout/duration.js';
import type { DeploymentReview, Milestone } from './review.js';
import { escapeHtml } from '../html.js';

export { escapeHtml };

/**
 * The review as a document: titled sections of lines and tables, built once from the
 * review's view model. Markdown, HTML (here) and PDF (src/render/review-pdf.ts) are
 * each a rendering of these same sections, so the three show the same figures.
 */
export type ReviewTable = { head: string[]; rows: string[][] };
export type ReviewSection = { title: string; lines: string[]; table?: ReviewTable };
export type ReviewDocument = { title: string; sections: ReviewSection[] };

const dash = '—';
const time = (t: string | null): string => (t === null ? dash : t.replace('.000Z', 'Z'));
const percent = (p: number | null): string => (p === null ? dash : `${p}%`);
const money = (n: number | null): string => (n === null ? 'not given' : n.toFixed(2));
const after = (s: number | null): string => (s === null ? 'not reached' : formatDuration(s));

function milestoneTable(label: string, ms: readonly Milestone[]): ReviewTable {
  return {
    head: [label, 'reached at', 'after'],
    rows: ms.map((m) => [`${m.percent}%`, time(m.reachedAt), after(m.afterSeconds)]),
  };
}

export function reviewDocument(r: DeploymentReview): ReviewDocument {
  const sections: ReviewSection[] = [];
  sections.push({
    title: 'Summary',
    lines: [
      `Updates: ${r.updates.join(', ')}`,
      `Groups: ${r.groups.join(', ')}`,
      `State: ${r.state}${r.stateReason === null ? '' : ` (${r.stateReason})`}`,
      `Available at: ${time(r.availableAt)}; reviewed at ${time(r.generatedAt)}`,
      `Target: ${r.target} computer × update pair(s)`,
      `Halts: ${r.halts}; rollbacks: ${r.rollbacks}; redeploys: ${r.redeploys}`,
    ],
  });
  sections.push({
    title: 'Phases: the plan beside what happened',
    lines: [
      'Planned times assume every gate is met the moment it is checked; success counts the pairs installed (or not applicable) at any time.',
    ],
    table: {
      head: [
        'phase',
        'size',
        'planned start',
        'actual start',
        'planned end',
        'actual end',
        'success',
        'failed',
        'halts',
        'rollbacks',
        'redeploys',
      ],
      rows: r.phases.map((p) => [
        p.name,
        String(p.size),
        time(p.plannedStart),
        time(p.actualStart),
        time(p.plannedEnd),
        p.actualEnd === null ? dash : `${time(p.actualEnd)} (${p.endedBy ?? ''})`,
        percent(p.successPercent),
        String(p.failed),
        String(p.halts),
        String(p.rollbacks),
        String(p.redeploys),
      ]),
    },
  });
  sections.push({
    title: 'Halts, rollbacks and redeploys',
    lines: r.actions.length === 0 ? ['None.'] : [],
    ...(r.actions.length === 0
      ? {}
      : {
          table: {
            head: ['at', 'what', 'phase', 'by', 'why'],
            rows: r.actions.map((a) => [time(a.at), a.type, a.phase ?? dash, a.actor, a.message]),
          },
        }),
  });
  const sla = r.sla;
  sections.push({
    title: 'Time to installed',
    lines: [
      sla === null
        ? 'SLA: none set (ringmaster deployment set ID --sla 95%@48h).'
        : `SLA: ${sla.percent}% installed within ${sla.hours}h (by ${time(sla.dueAt)}): ${sla.verdict}${sla.reachedAt === null ? '' : `, reached after ${after(sla.afterSeconds)}`}`,
    ],
    table: milestoneTable('installed', r.installed),
  });
  if (r.emergency !== null) {
    const e = r.emergency;
    sections.push({
      title: 'Emergency: how fast it reached the fleet',
      lines: [`Reason: ${e.reason}`],
      table: {
        head: ['share', 'started at', 'started after', 'installed at', 'installed after'],
        rows: e.started.map((s, i) => {
          const inst = e.installed[i];
          return [
            `${s.percent}%`,
            time(s.reachedAt),
            after(s.afterSeconds),
            time(inst?.reachedAt ?? null),
            after(inst?.afterSeconds ?? null),
          ];
        }),
      },
    });
  }
  const f = r.failures;
  sections.push({
    title: 'Failures by reason and how each was resolved',
    lines: [`Failed pairs: ${f.total}`],
    ...(f.total === 0
      ? {}
      : {
          table: {
            head: [
              'reason',
              'failed',
              'redeployed, then installed',
              'retried, then installed',
              'rolled back',
              'cancelled',
              'still failed',
              'in progress',
            ],
            rows: f.byReason.map((g) => [
              g.reason,
              String(g.count),
              String(g.resolutions['redeployed-then-installed']),
              String(g.resolutions['retried-then-installed']),
              String(g.resolutions['rolled-back']),
              String(g.resolutions.cancelled),
              String(g.resolutions['still-failed']),
              String(g.resolutions['in-progress']),
            ]),
          },
        }),
  });
  const { restarts, recovery } = r;
  sections.push({
    title: 'Restarts, downtime and cost (estimated)',
    lines: [
      `Computers restarted: ${restarts.computers}; estimated downtime ${restarts.downtimeMinutes} min (${restarts.minutesPerRestart} min per restart)`,
      `Downtime cost: ${money(restarts.downtimeCost)}${restarts.downtimeCostPerHour === null ? '' : ` at ${restarts.downtimeCostPerHour} per hour`}`,
      `Computers to recover (failed at least once): ${recovery.computers}; estimated ${recovery.minutes} min of work (${recovery.minutesPerFailure} min each)`,
      `Recovery cost: ${money(recovery.cost)}${recovery.costPerHour === null ? '' : ` at ${recovery.costPerHour} per hour`}`,
      `Total cost: ${money(r.totalCost)}`,
    ],
  });
  sections.push({
    title: 'Follow-up checklist',
    lines: [],
    table: {
      head: ['item', 'done', 'by', 'at', 'note'],
      rows: r.checklist.map((c) => [
        `${c.title} (${c.item})`,
        c.done ? 'yes' : 'no',
        c.doneBy ?? dash,
        time(c.doneAt),
        c.note ?? '',
      ]),
    },
  });
  return { title: `Post-implementation review of ${r.deploymentId}`, sections };
}

/** Text that Markdown (and the HTML it may become) shows as written. */
export function markdownText(text: string): string {
  return text
    .replace(/[\\`[\]|]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

export function reviewMarkdown(r: DeploymentReview): string {
  const doc = reviewDocument(r);
  const out: string[] = [`# ${markdownText(doc.title)}`, ''];
  for (const s of doc.sections) {
    out.push(`## ${markdownText(s.title)}`, '');
    for (const line of s.lines) out.push(`- ${markdownText(line)}`);
    if (s.lines.length > 0) out.push('');
    if (s.table) {
      const row = (cells: string[]) => `| ${cells.map(markdownText).join(' | ')} |`;
      out.push(row(s.table.head), `|${s.table.head.map(() => ' --- |').join('')}`);
      for (const cells of s.table.rows) out.push(row(cells));
      out.push('');
    }
  }
  return out.join('\n');
}

/** One element whose content is escaped text, or elements built the same way. */
type Html = { readonly html: string };
function el(tag: string, ...children: (string | Html)[]): Html {
  const inner = children.map((c) => (typeof c === 'string' ? escapeHtml(c) : c.html)).join('');
  return { html: `<${tag}>${inner}</${tag}>` };
}

const style =
  'body{font-family:system-ui,sans-serif;margin:2em;color:#111}' +
  'table{border-collapse:collapse;margin:0.5em 0 1.5em}' +
  'th,td{border:1px solid #bbb;padding:0.25em 0.5em;text-align:left;vertical-align:top}' +
  'th{background:#eee}';

export function reviewHtml(r: DeploymentReview): string {
  const doc = reviewDocument(r);
  const body = doc.sections.flatMap((s) => [
    el('h2', s.title),
    ...(s.lines.length > 0 ? [el('ul', ...s.lines.map((l) => el('li', l)))] : []),
    ...(s.table
      ? [
          el(
            'table',
            el('thead', el('tr', ...s.table.head.map((h) => el('th', h)))),
            el('tbody', ...s.table.rows.map((row) => el('tr', ...row.map((c) => el('td', c))))),
          ),
        ]
      : []),
  ]);
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `${el('title', doc.title).html}<style>${style}</style></head>` +
    `${el('body', el('h1', doc.title), ...body).html}</html>\n`
  );
}
