import type { Api } from '../api/client.js';
import { listDeployments } from '../api/lists.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { progress } from '../components/counts.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { useMay } from '../api/access.js';
import { Link } from '../router.js';

export function Deployments({ api }: { api: Api }) {
  const list = useLoad(() => listDeployments(api), 'deployments');
  const mayCreate = useMay()('createDeployment');
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
      <ErrorNote error={list.error} title="Could not load the deployments" />
      {list.loading && !list.data && <Loading what="deployments" />}
      {list.data && list.data.items.length === 0 && (
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
      {list.data && list.data.items.length > 0 && (
        <table>
          <caption>
            {list.data.total} deployment{list.data.total === 1 ? '' : 's'}, newest first
          </caption>
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
            {list.data.items.map((d) => {
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
    </>
  );
}
