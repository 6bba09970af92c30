import type { DeploymentSort } from '../../../src/contracts/list-queries.js';
import { deploymentStates } from '../../../src/domain/deployment/state.js';
import type { Api } from '../api/client.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import {
  ChoiceFilter,
  rangeCaption,
  SortControls,
  TextFilter,
  useServerList,
} from '../components/ListControls.js';
import { Pager } from '../components/Pager.js';
import { progress } from '../components/counts.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { useMay } from '../api/access.js';
import { Link } from '../router.js';

type Filters = { q: string; state: '' | (typeof deploymentStates)[number]; group: string };

const SORTS: { value: DeploymentSort; label: string }[] = [
  { value: 'createdAt', label: 'Created' },
  { value: 'state', label: 'State' },
  { value: 'id', label: 'Id' },
];

/** The deployments a page at a time: filtered, sorted and paged by the server. */
export function Deployments({ api }: { api: Api }) {
  const empty: Filters = { q: '', state: '', group: '' };
  const paged = useServerList<Filters, DeploymentSort>(empty, {
    sort: 'createdAt',
    order: 'desc',
  });
  const { query } = paged;
  const list = useLoad(() => api.listDeployments(query), `deployments:${JSON.stringify(query)}`);
  const mayCreate = useMay()('createDeployment');
  const items = list.data?.items ?? [];
  return (
    <>
      <div className="heading">
        <h1>Deployments</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
        {mayCreate && (
          <Link className="button primary" to="/deployments/new">
            New deployment
          </Link>
        )}
      </div>
      <form className="row filters" onSubmit={paged.apply} aria-label="Deployment filters">
        <TextFilter list={paged} field="q" label="Id or update" hint="RM-2026" search />
        <ChoiceFilter list={paged} field="state" label="State" choices={deploymentStates} />
        <TextFilter list={paged} field="group" label="Group" hint="pilot" />
        <button type="submit">Filter</button>
        <SortControls list={paged} sorts={SORTS} />
      </form>
      <ErrorNote error={list.error} title="Could not load the deployments" />
      {list.loading && !list.data && <Loading what="deployments" />}
      {list.data && items.length === 0 && paged.filtered && (
        <Empty>No deployment matches these filters.</Empty>
      )}
      {list.data && items.length === 0 && !paged.filtered && (
        <Empty>
          No deployments yet.
          {mayCreate && (
            <>
              {' '}
              <Link to="/deployments/new">Create the first one</Link>.
            </>
          )}
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{rangeCaption('Deployments', paged, items.length, list.data?.total)}</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Updates</th>
              <th scope="col">Groups</th>
              <th scope="col">State</th>
              <th scope="col">Done</th>
              <th scope="col">Failed</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => {
              const p = progress(d.counts, d.total);
              return (
                <tr key={d.id}>
                  <td>
                    <Link to={`/deployments/${encodeURIComponent(d.id)}`}>{d.id}</Link>
                  </td>
                  <td>{(d.updates ?? [d.updateId]).join(', ')}</td>
                  <td>{d.groups.join(', ')}</td>
                  <td>
                    <Badge value={d.state} />
                    {d.stateReason && <div className="muted small">{d.stateReason}</div>}
                  </td>
                  <td>
                    {p.done} / {d.total}
                  </td>
                  <td>{p.failed}</td>
                  <td>{when(d.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager cursors={paged.cursors} nextCursor={list.data?.nextCursor} />
    </>
  );
}
