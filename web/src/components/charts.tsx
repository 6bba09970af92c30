import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ComplianceRow } from '../../../src/contracts/scan.js';
import { complianceStates, type ComplianceState } from '../../../src/domain/scan.js';
import type { ProgressPointView } from '../../../src/contracts/report.js';

/**
 * The report charts (recharts). Each is a <figure> whose caption says in words what
 * the chart draws, so a screen reader gets the figures without the picture; the
 * colours are the theme's variables, so light and dark both hold.
 */

const COMPLIANCE_COLOR: Record<ComplianceState, string> = {
  installed: 'var(--good)',
  required: 'var(--warn)',
  failed: 'var(--bad)',
  'not-applicable': 'var(--quiet)',
  unknown: 'var(--series-other)',
};

/** Computer × update pairs per compliance state, one stacked bar per row (at most `limit`). */
export function ComplianceChart(props: { rows: ComplianceRow[]; label: string; limit?: number }) {
  const rows = props.rows.slice(0, props.limit ?? 15);
  const width = Math.min(220, 40 + 8 * Math.max(...rows.map((r) => r.key.length), 4));
  return (
    <figure className="chart">
      <ResponsiveContainer width="100%" height={60 + 30 * rows.length}>
        <BarChart data={rows} layout="vertical" margin={{ left: 16, right: 16 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} stroke="currentColor" />
          <YAxis type="category" dataKey="key" width={width} stroke="currentColor" />
          <Tooltip contentStyle={TOOLTIP} />
          <Legend itemSorter={(item) => complianceStates.indexOf(item.value as ComplianceState)} />
          {complianceStates.map((s) => (
            <Bar
              key={s}
              dataKey={s}
              name={s}
              stackId="c"
              fill={COMPLIANCE_COLOR[s]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        {props.label}:{' '}
        {rows
          .map((r) => `${r.key}: ${complianceStates.map((s) => `${r[s]} ${s}`).join(', ')}`)
          .join('; ')}
        {props.rows.length > rows.length ? `; and ${props.rows.length - rows.length} more` : ''}
      </figcaption>
    </figure>
  );
}

const TOOLTIP = { background: 'var(--bg)', color: 'var(--fg)', border: '1px solid var(--line)' };

const STATE_COLOR: Record<string, string> = {
  pending: 'var(--quiet)',
  downloading: 'var(--series-download)',
  downloaded: 'var(--series-download)',
  'awaiting-user': 'var(--warn)',
  installing: 'var(--info)',
  installed: 'var(--good)',
  'pending-reboot': 'var(--series-other)',
  'not-applicable': 'var(--muted)',
  failed: 'var(--bad)',
  uninstalling: 'var(--series-other)',
  uninstalled: 'var(--muted)',
  'uninstall-failed': 'var(--bad)',
  cancelled: 'var(--muted)',
};

type Counts = ProgressPointView['total'];

/** The counts to draw from one point: the whole deployment, or one phase. */
function countsOf(point: ProgressPointView, phase: string | null): Counts | undefined {
  return phase === null ? point.total : point.phases.find((p) => p.name === phase)?.counts;
}

/** One row per point, with only the states that are ever non-zero (in the series asked). */
export function progressSeries(points: ProgressPointView[], phase: string | null) {
  const states = new Set<string>();
  const rows = points.map((p) => {
    const counts = countsOf(p, phase);
    const row: Record<string, number> = { t: Date.parse(p.at) };
    for (const [s, n] of Object.entries(counts ?? {})) {
      row[s] = n;
      if (n > 0) states.add(s);
    }
    return row;
  });
  const order = Object.keys(STATE_COLOR);
  return { rows, states: order.filter((s) => states.has(s)) };
}

const time = (t: number) => new Date(t).toLocaleTimeString();

/** Counts per state over time: each point is a change, so the lines step. */
export function ProgressChart(props: { points: ProgressPointView[]; phase: string | null }) {
  const { rows, states } = progressSeries(props.points, props.phase);
  const last = rows[rows.length - 1];
  const scope = props.phase === null ? 'all phases' : `phase ${props.phase}`;
  return (
    <figure className="chart" data-testid="progress-chart">
      <ResponsiveContainer width="100%" height={280}>
        <LineChart data={rows} margin={{ left: 8, right: 24, top: 8 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={time}
            stroke="currentColor"
          />
          <YAxis allowDecimals={false} stroke="currentColor" />
          <Tooltip labelFormatter={(t) => time(Number(t))} contentStyle={TOOLTIP} />
          <Legend itemSorter={(item) => Object.keys(STATE_COLOR).indexOf(String(item.value))} />
          {states.map((s) => (
            <Line
              key={s}
              dataKey={s}
              name={s}
              type="stepAfter"
              stroke={STATE_COLOR[s]}
              strokeWidth={2}
              strokeDasharray={s === 'installed' || s === 'failed' ? undefined : '5 3'}
              dot={rows.length < 40}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        Computers per state over time, {scope}: {rows.length} changes from{' '}
        {rows[0] ? time(rows[0].t ?? 0) : ''} to {last ? time(last.t ?? 0) : ''}; now{' '}
        {states.map((s) => `${last?.[s] ?? 0} ${s}`).join(', ')}.
      </figcaption>
    </figure>
  );
}

/** Failures per reason, as horizontal bars. */
export function ReasonChart(props: { reasons: { reason: string; failures: number }[] }) {
  const data = props.reasons;
  return (
    <figure className="chart">
      <ResponsiveContainer width="100%" height={50 + 30 * data.length}>
        <BarChart data={data} layout="vertical" margin={{ left: 16, right: 16 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} stroke="currentColor" />
          <YAxis type="category" dataKey="reason" width={160} stroke="currentColor" />
          <Tooltip contentStyle={TOOLTIP} />
          <Bar dataKey="failures" name="failures" fill="var(--bad)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        Failures by reason: {data.map((r) => `${r.reason}: ${r.failures}`).join('; ')}
      </figcaption>
    </figure>
  );
}
