import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { DeploymentView } from '../../../src/contracts/api.js';
import type { Api } from '../api/client.js';
import { fleetHealth, listDeployments, listDiscrepancies, listStale } from '../api/lists.js';
import { ComplianceChart } from '../components/charts.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { progress } from '../components/counts.js';
import { useLoad } from '../hooks.js';
import { plural } from '../format.js';
import { Link } from '../router.js';

const LIVE = new Set(['active', 'halted', 'rolling-back']);

function PhaseBars({ d }: { d: DeploymentView }) {
  const data = d.phases.map((p) => ({ phase: p.name, ...progress(p.counts, p.size) }));
  return (
    <figure className="chart">
      <ResponsiveContainer width="100%" height={40 + 36 * data.length}>
        <BarChart data={data} layout="vertical" margin={{ left: 16, right: 16 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} stroke="currentColor" />
          <YAxis type="category" dataKey="phase" width={90} stroke="currentColor" />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="done"
            name="done"
            stackId="a"
            fill="var(--good)"
            isAnimationActive={false}
          />
          <Bar
            dataKey="failed"
            name="failed"
            stackId="a"
            fill="var(--bad)"
            isAnimationActive={false}
          />
          <Bar
            dataKey="remaining"
            name="to go"
            stackId="a"
            fill="var(--quiet)"
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        {data
          .map((p) => `${p.phase}: ${p.done} done, ${p.failed} failed, ${p.remaining} to go`)
          .join('; ')}
      </figcaption>
    </figure>
  );
}

export function Overview({ api }: { api: Api }) {
  const computers = useLoad(() => fleetHealth(api), 'fleet-health');
  const deployments = useLoad(() => listDeployments(api), 'deployments');
  const live = deployments.data?.items.filter((d) => LIVE.has(d.state)) ?? [];
  const halted = live.filter((d) => d.state === 'halted');
  const stale = useLoad(() => listStale(api), 'stale');
  const discrepancies = useLoad(() => listDiscrepancies(api), 'discrepancies');
  const compliance = useLoad(() => api.complianceReport({ by: 'update' }), 'compliance');
  const staleComputers = new Set(stale.data?.items.map((s) => s.computerId)).size;
  const discrepant = new Set(discrepancies.data?.items.map((d) => d.computerId)).size;
  const quiet =
    deployments.data && stale.data && discrepancies.data
      ? halted.length === 0 && staleComputers === 0 && discrepant === 0
      : false;
  return (
    <>
      <div className="heading">
        <h1>Overview</h1>
        <button
          type="button"
          onClick={() => {
            computers.reload();
            deployments.reload();
            stale.reload();
            discrepancies.reload();
            compliance.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <section aria-labelledby="alerts-h">
        <h2 id="alerts-h">Alerts</h2>
        <Freshness at={deployments.at} />
        <ErrorNote error={stale.error} title="Could not load the stale computers" />
        <ErrorNote error={discrepancies.error} title="Could not load the discrepancies" />
        {quiet && <Empty>No alert: nothing halted, stale or discrepant.</Empty>}
        {(halted.length > 0 || staleComputers > 0 || discrepant > 0) && (
          <ul className="alerts" role="list">
            {halted.map((d) => (
              <li key={d.id} className="alert">
                <Link to={`/deployments/${encodeURIComponent(d.id)}`}>{d.id}</Link> is halted
                {d.stateReason ? `: ${d.stateReason}` : ''}
              </li>
            ))}
            {staleComputers > 0 && (
              <li className="alert" data-testid="alert-stale">
                {plural(staleComputers, 'computer')} {staleComputers === 1 ? 'needs' : 'need'}{' '}
                investigation: no success within the recurrence interval.{' '}
                <Link to="/reports#stale-h">See which</Link>
              </li>
            )}
            {discrepant > 0 && (
              <li className="alert" data-testid="alert-discrepant">
                {plural(discrepant, 'computer')} where the scan contradicts an installed status.{' '}
                <Link to="/reports#discrepancies-h">See the discrepancies</Link>
              </li>
            )}
          </ul>
        )}
      </section>
      <section aria-labelledby="fleet-h">
        <h2 id="fleet-h">Fleet health</h2>
        <Freshness at={computers.at} />
        <ErrorNote error={computers.error} title="Could not load the computers" />
        {computers.loading && !computers.data && <Loading what="computers" />}
        {computers.data?.total === 0 && <Empty>No computer has enrolled yet.</Empty>}
        {computers.data && computers.data.total > 0 && (
          <ul className="tiles" role="list">
            {(['online', 'offline', 'never-seen'] as const).map((k) => (
              <li key={k} className="tile">
                <span className="figure">{computers.data?.[k]}</span> <Badge value={k} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="compliance-h">
        <h2 id="compliance-h">Compliance</h2>
        <p className="muted">
          By update, from the scan. <Link to="/reports">All reports</Link>{' '}
          <Freshness at={compliance.at} />
        </p>
        <ErrorNote error={compliance.error} title="Could not load the compliance report" />
        {compliance.data?.rows.length === 0 && <Empty>No scan has reported yet.</Empty>}
        {compliance.data && compliance.data.rows.length > 0 && (
          <ComplianceChart rows={compliance.data.rows} label="Compliance by update" limit={8} />
        )}
      </section>
      <section aria-labelledby="active-h">
        <h2 id="active-h">Active deployments</h2>
        <Freshness at={deployments.at} />
        <ErrorNote error={deployments.error} title="Could not load the deployments" />
        {deployments.data && live.length === 0 && <Empty>Nothing is rolling out.</Empty>}
        {live.map((d) => (
          <article key={d.id} className="card" aria-labelledby={`d-${d.id}`}>
            <h3 id={`d-${d.id}`}>
              <Link to={`/deployments/${encodeURIComponent(d.id)}`}>{d.id}</Link>{' '}
              <Badge value={d.state} />
            </h3>
            <p className="muted">
              {(d.updates ?? [d.updateId]).join(', ')} to {d.groups.join(', ')}
            </p>
            <PhaseBars d={d} />
          </article>
        ))}
      </section>
    </>
  );
}
