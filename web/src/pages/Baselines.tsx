import { listBaselines } from '../api/lists.js';
import type { Api } from '../api/client.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

/** Baselines, and compliance to one from the scan (changes: `ringmaster baseline`). */
export function Baselines({ api }: { api: Api }) {
  const list = useLoad(() => listBaselines(api), 'baselines');
  return (
    <>
      <div className="heading">
        <h1>Baselines</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={list.error} title="Could not load the baselines" />
      {list.loading && !list.data && <Loading what="baselines" />}
      {list.data && list.data.items.length === 0 && (
        <Empty>
          No baselines yet. Create one with <code>ringmaster baseline create NAME --group G</code>.
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <table>
          <caption>
            {list.data.total} baseline{list.data.total === 1 ? '' : 's'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Baseline</th>
              <th scope="col">Groups</th>
              <th scope="col">Updates</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/baselines/${encodeURIComponent(b.name)}`}>{b.name}</Link>
                </td>
                <td>{b.groups.join(', ')}</td>
                <td>{b.updates.length}</td>
                <td>
                  {when(b.createdAt)} by {b.createdBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function BaselineDetail({ api, name }: { api: Api; name: string }) {
  const r = useLoad(() => api.baselineCompliance(name), `baseline:${name}`);
  if (r.error) return <ErrorNote error={r.error} title={`Could not load baseline ${name}`} />;
  if (!r.data) return <Loading what={`baseline ${name}`} />;
  const { baseline, totals } = r.data;
  const lacking = r.data.computers.filter((c) => c.state !== 'compliant');
  return (
    <>
      <div className="heading">
        <h1>Baseline {baseline.name}</h1>
        <Freshness at={r.at} />
        <button type="button" onClick={r.reload}>
          Refresh
        </button>
      </div>
      {baseline.description && <p>{baseline.description}</p>}
      <dl className="facts">
        <dt>Groups</dt>
        <dd>{baseline.groups.join(', ')}</dd>
        <dt>Updates</dt>
        <dd>{baseline.updates.join(', ') || 'none yet'}</dd>
        <dt>Computers</dt>
        <dd data-testid="baseline-totals">
          {totals.computers}: {totals.compliant} compliant, {totals['non-compliant']} non-compliant,{' '}
          {totals.unknown} unknown
        </dd>
        <dt>From the scan at</dt>
        <dd>
          {when(r.data.generatedAt)} (a scan older than {Math.round(r.data.staleAfterSeconds / 60)}{' '}
          min is not trusted)
        </dd>
      </dl>
      <h2>Not compliant or not known ({lacking.length})</h2>
      {lacking.length === 0 ? (
        <Empty>Every computer of the baseline has every update.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Computer</th>
              <th scope="col">State</th>
              <th scope="col">Scanned</th>
              <th scope="col">What is missing, and why</th>
            </tr>
          </thead>
          <tbody>
            {lacking.map((c) => (
              <tr key={c.computerId}>
                <td>
                  <Link to={`/computers/${encodeURIComponent(c.computerId)}`}>{c.hostname}</Link>
                </td>
                <td>
                  <Badge value={c.state} />
                </td>
                <td>{when(c.scannedAt)}</td>
                <td>
                  <ul>
                    {c.gaps.map((g) => (
                      <li key={g.updateId}>
                        <strong>{g.updateId}</strong> {g.kind}: {g.why}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
