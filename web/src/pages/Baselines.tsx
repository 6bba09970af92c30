import { useState } from 'react';
import type { BaselineView } from '../../../src/contracts/baseline.js';
import { useMay } from '../api/access.js';
import { listBaselines } from '../api/lists.js';
import type { Api } from '../api/client.js';
import { Badge, Confirm, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { plural, when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { BaselineForm } from './baseline-form.js';

/**
 * Baselines, and compliance to one from the scan. An admin creates one, changes it (name,
 * description, groups, updates) and deletes it after a confirmation; other roles see no
 * control for it (the server refuses them all the same).
 */
export function Baselines({ api }: { api: Api }) {
  const may = useMay();
  const list = useLoad(() => listBaselines(api), 'baselines');
  const [editing, setEditing] = useState<BaselineView | null>(null);
  const [removing, setRemoving] = useState<BaselineView | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const mayCreate = may('createBaseline');
  const mayEdit = may('setBaseline');
  const mayRemove = may('removeBaseline');
  const saved = (_b: BaselineView, words: string) => {
    setEditing(null);
    setDone(words);
    list.reload();
  };
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
        <Empty>No baselines yet{mayCreate ? ': create one below' : ''}.</Empty>
      )}
      {done && (
        <p role="status" className="good">
          {done}
        </p>
      )}
      {list.data && list.data.items.length > 0 && (
        <table>
          <caption>{plural(list.data.total, 'baseline')}</caption>
          <thead>
            <tr>
              <th scope="col">Baseline</th>
              <th scope="col">Groups</th>
              <th scope="col">Updates</th>
              <th scope="col">Created</th>
              {(mayEdit || mayRemove) && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/baselines/${encodeURIComponent(b.name)}`}>{b.name}</Link>
                  {b.description && <div className="muted small">{b.description}</div>}
                </td>
                <td>{b.groups.join(', ')}</td>
                <td>{b.updates.length}</td>
                <td>
                  {when(b.createdAt)} by {b.createdBy}
                </td>
                {(mayEdit || mayRemove) && (
                  <td>
                    <div className="row">
                      {mayEdit && (
                        <button
                          type="button"
                          aria-label={`Edit ${b.name}`}
                          aria-pressed={editing?.id === b.id}
                          onClick={() => {
                            setDone(null);
                            setEditing(editing?.id === b.id ? null : b);
                          }}
                        >
                          Edit
                        </button>
                      )}
                      {mayRemove && (
                        <button
                          type="button"
                          aria-label={`Delete ${b.name}`}
                          onClick={() => {
                            setDone(null);
                            setRemoving(b);
                          }}
                        >
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && mayEdit && (
        <section aria-labelledby="edit-baseline-h" className="card">
          <h2 id="edit-baseline-h">Edit baseline {editing.name}</h2>
          <BaselineForm
            key={editing.id}
            api={api}
            baseline={editing}
            onSaved={saved}
            onCancel={() => setEditing(null)}
          />
        </section>
      )}
      {mayCreate && !editing && (
        <section aria-labelledby="new-baseline-h" className="card">
          <h2 id="new-baseline-h">New baseline</h2>
          <BaselineForm api={api} onSaved={saved} />
        </section>
      )}
      {removing && (
        <Confirm
          title={`Delete baseline ${removing.name}?`}
          confirmLabel="Delete"
          onConfirm={async () => {
            const gone = await api.removeBaseline(removing.name);
            if (editing?.id === gone.id) setEditing(null);
            setDone(`Deleted baseline ${gone.name}.`);
            list.reload();
          }}
          onClose={() => setRemoving(null)}
        >
          Its compliance report goes with it. Its {plural(removing.groups.length, 'group')} and{' '}
          {plural(removing.updates.length, 'update')} stay as they are, and nothing is installed or
          removed on any computer.
        </Confirm>
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
