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
import type { ComputerView, DeploymentView } from '../../../src/contracts/api.js';
import type { Api } from '../api/client.js';
import { listComputers, listDeployments } from '../api/lists.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { progress } from '../components/counts.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

/** Offline for longer than this, a computer is stale: likely gone, not just switched off. */
const STALE_MS = 7 * 86_400_000;

export function fleetHealth(computers: ComputerView[], now: number) {
  const tally = { online: 0, offline: 0, stale: 0, 'never-seen': 0 };
  for (const c of computers) {
    if (c.health.state === 'online') tally.online += 1;
    else if (c.health.state === 'never-seen') tally['never-seen'] += 1;
    else if (c.health.since && now - Date.parse(c.health.since) > STALE_MS) tally.stale += 1;
    else tally.offline += 1;
  }
  return tally;
}

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
  const computers = useLoad(() => listComputers(api), 'computers');
  const deployments = useLoad(() => listDeployments(api), 'deployments');
  const live = deployments.data?.items.filter((d) => LIVE.has(d.state)) ?? [];
  const halted = live.filter((d) => d.state === 'halted');
  const health = computers.data ? fleetHealth(computers.data.items, Date.now()) : null;
  return (
    <>
      <div className="heading">
        <h1>Overview</h1>
        <button
          type="button"
          onClick={() => {
            computers.reload();
            deployments.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <section aria-labelledby="alerts-h">
        <h2 id="alerts-h">Alerts</h2>
        <Freshness at={deployments.at} />
        {deployments.data && halted.length === 0 && <Empty>No halted deployment.</Empty>}
        {halted.length > 0 && (
          <ul className="alerts" role="list">
            {halted.map((d) => (
              <li key={d.id} className="alert">
                <Link to={`/deployments/${encodeURIComponent(d.id)}`}>{d.id}</Link> is halted
                {d.stateReason ? `: ${d.stateReason}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="fleet-h">
        <h2 id="fleet-h">Fleet health</h2>
        <Freshness at={computers.at} />
        <ErrorNote error={computers.error} title="Could not load the computers" />
        {computers.loading && !computers.data && <Loading what="computers" />}
        {health && computers.data?.total === 0 && <Empty>No computer has enrolled yet.</Empty>}
        {health && computers.data && computers.data.total > 0 && (
          <ul className="tiles" role="list">
            {Object.entries(health).map(([k, v]) => (
              <li key={k} className="tile">
                <span className="figure">{v}</span> <Badge value={k} />
              </li>
            ))}
          </ul>
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
