import { useState, type FormEvent } from 'react';
import {
  pointKinds,
  type ContentStatusView,
  type PointView,
} from '../../../src/contracts/distribution.js';
import { useMay } from '../api/access.js';
import { fieldProblems, type Api } from '../api/client.js';
import { Badge, Confirm, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { Pager, useCursors } from '../components/Pager.js';
import { plural, when } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { SiteRules } from './site-rules.js';

const PAGE = 100;
/** Gaps listed per site; the rest are counted. */
const GAPS_SHOWN = 20;

const SERVED_BY: Record<
  ContentStatusView['deployments'][number]['sites'][number]['servedBy'],
  string
> = {
  points: 'its managed points (they must hold every file before a phase opens there)',
  'static-points': 'read-only points only (not verified by the server)',
  server: 'the server (no distribution point)',
};

function Sites({ api }: { api: Api }) {
  const cursors = useCursors('sites');
  const query = { limit: PAGE, ...(cursors.cursor !== undefined && { cursor: cursors.cursor }) };
  const list = useLoad(() => api.listSites(query), `sites:${JSON.stringify(query)}`);
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="sites-h">
      <h2 id="sites-h">Sites</h2>
      <ErrorNote error={list.error} title="Could not load the sites" />
      {list.loading && !list.data && <Loading what="sites" />}
      {list.data && items.length === 0 && (
        <Empty>
          No site yet: a computer is at the site its agent names (<code>--site</code>) or a subnet
          rule gives it, or one a distribution point is registered for.
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{plural(list.data?.total ?? 0, 'site')}</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Computers</th>
              <th scope="col">Distribution points</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.computers}</td>
                <td>{s.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={list.data?.nextCursor} />
    </section>
  );
}

function RegisterPoint({ api, onRegistered }: { api: Api; onRegistered: () => void }) {
  const [site, setSite] = useState('');
  const [url, setUrl] = useState('');
  const [order, setOrder] = useState('');
  const [kind, setKind] = useState<PointView['kind']>('managed');
  const [done, setDone] = useState<PointView | null>(null);
  const { busy, error, run } = useAction();
  const problems = new Map(fieldProblems(error).map((p) => [p.field, p.message]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    return run(async () => {
      const point = await api.registerPoint({
        site: site.trim(),
        url: url.trim(),
        kind,
        ...(order.trim() !== '' && { order: Number(order) }),
      });
      setDone(point);
      setUrl('');
      setOrder('');
      onRegistered();
    });
  };
  return (
    <section aria-labelledby="register-h" className="card">
      <h2 id="register-h">Register a distribution point</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div className="row">
          <Field id="point-site" label="Site" problem={problems.get('site')}>
            {(a) => (
              <input {...a} value={site} onChange={(e) => setSite(e.target.value)} required />
            )}
          </Field>
          <Field
            id="point-url"
            label="URL"
            problem={problems.get('url')}
            hint="The base agents fetch sha256/ab/abcdef… under"
          >
            {(a) => (
              <input
                {...a}
                type="url"
                value={url}
                placeholder="http://dp1.paris.example.com:8081/"
                onChange={(e) => setUrl(e.target.value)}
                required
              />
            )}
          </Field>
          <Field
            id="point-order"
            label="Order (optional)"
            problem={problems.get('order')}
            hint="Agents try lower first; default after the site's last"
          >
            {(a) => (
              <input
                {...a}
                type="number"
                min={0}
                value={order}
                onChange={(e) => setOrder(e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset className="choice">
          <legend>Kind</legend>
          {pointKinds.map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="point-kind"
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
              />{' '}
              {k === 'managed'
                ? 'Managed (ringmaster distribution-point run: replicates and reports)'
                : 'Static (any HTTP server with the layout: read-only, reports nothing)'}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={busy}>
          Register
        </button>
      </form>
      <ErrorNote error={error} title="Not registered" />
      {done && (
        <div role="status" className="card">
          <p className="good">
            Registered {done.id} for site {done.site}.
          </p>
          {done.token && (
            <p>
              Its token, shown this once (give it to{' '}
              <code>ringmaster distribution-point run --token</code>):{' '}
              <code className="hash" data-testid="point-token">
                {done.token}
              </code>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function Points({ api, version, onChanged }: { api: Api; version: number; onChanged: () => void }) {
  const may = useMay();
  const [draft, setDraft] = useState('');
  const [site, setSite] = useState('');
  const cursors = useCursors(site);
  const query = {
    limit: PAGE,
    ...(cursors.cursor !== undefined && { cursor: cursors.cursor }),
    ...(site !== '' && { site }),
  };
  const list = useLoad(() => api.listPoints(query), `points:${JSON.stringify(query)}:${version}`);
  const [removing, setRemoving] = useState<PointView | null>(null);
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="points-h">
      <h2 id="points-h">Distribution points</h2>
      <form
        className="row filters"
        aria-label="Distribution point filters"
        onSubmit={(e) => {
          e.preventDefault();
          setSite(draft.trim());
        }}
      >
        <label className="inline">
          Site{' '}
          <input value={draft} placeholder="paris" onChange={(e) => setDraft(e.target.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={list.error} title="Could not load the distribution points" />
      {list.loading && !list.data && <Loading what="distribution points" />}
      {list.data && items.length === 0 && (
        <Empty>
          {site
            ? `No distribution point for site ${site}.`
            : 'No distribution point: every computer downloads from the server.'}
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>
            {plural(list.data?.total ?? 0, 'distribution point')}, by site and order; files as each
            point reported them
          </caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Order</th>
              <th scope="col">URL</th>
              <th scope="col">Kind</th>
              <th scope="col">Staged</th>
              <th scope="col">Missing</th>
              <th scope="col">Corrupt</th>
              <th scope="col">Last call</th>
              {may('removePoint') && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id}>
                <td>{p.site}</td>
                <td>{p.order}</td>
                <td>
                  <code>{p.url}</code>
                  <div className="muted small">{p.id}</div>
                </td>
                <td>{p.kind}</td>
                <td>{p.files.staged}</td>
                <td className={p.files.missing > 0 ? 'warn' : undefined}>{p.files.missing}</td>
                <td className={p.files.corrupt > 0 ? 'bad' : undefined}>{p.files.corrupt}</td>
                <td>{p.kind === 'static' ? 'never (static)' : when(p.lastSeenAt)}</td>
                {may('removePoint') && (
                  <td>
                    <button
                      type="button"
                      onClick={() => setRemoving(p)}
                      aria-label={`Remove ${p.url} (${p.site})`}
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={list.data?.nextCursor} />
      {removing && (
        <Confirm
          title={`Remove the point ${removing.url}?`}
          confirmLabel="Remove"
          onConfirm={async () => {
            await api.removePoint(removing.id);
            onChanged();
          }}
          onClose={() => setRemoving(null)}
        >
          Agents at site {removing.site} stop using it at their next check-in, and its token is
          refused from now on.
        </Confirm>
      )}
    </section>
  );
}

function gapWords(state: string): string {
  return state === 'not-reported' ? 'not reported yet' : state;
}

/** `ringmaster content status`: whether each live deployment's files are where its computers are. */
function ContentStatus({ api, version }: { api: Api; version: number }) {
  const status = useLoad(() => api.contentStatus({}), `content-status:${version}`);
  const deployments = status.data?.deployments ?? [];
  return (
    <section aria-labelledby="content-h">
      <div className="heading">
        <h2 id="content-h">Content status</h2>
        <Freshness at={status.at} />
      </div>
      <p className="muted">
        Whether each live deployment&apos;s files are staged on the points of the sites its
        computers are at. A phase opens at a site only once its managed points hold every file.
      </p>
      <ErrorNote error={status.error} title="Could not load the content status" />
      {status.loading && !status.data && <Loading what="the content status" />}
      {status.data && deployments.length === 0 && <Empty>No live deployment.</Empty>}
      {deployments.map((d) => (
        <article key={d.id} className="card" aria-labelledby={`content-${d.id}`}>
          <div className="heading">
            <h3 id={`content-${d.id}`}>
              <Link to={`/deployments/${encodeURIComponent(d.id)}`}>{d.id}</Link>
            </h3>
            <Badge value={d.state} />
            <span className={d.ready ? 'good' : 'warn'} data-testid="content-ready">
              {d.ready ? 'Ready: every file staged' : 'Not ready'}
            </span>
            <span className="muted">{plural(d.files, 'file')}</span>
          </div>
          {d.waitingFor && <p>Waiting for: {d.waitingFor}</p>}
          <table>
            <caption>Sites of {d.id}&apos;s computers</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Computers</th>
                <th scope="col">Served by</th>
                <th scope="col">Points (files staged)</th>
                <th scope="col">Missing where</th>
              </tr>
            </thead>
            <tbody>
              {d.sites.map((s) => (
                <tr key={s.site ?? ''}>
                  <td>{s.site ?? <span className="muted">no site</span>}</td>
                  <td>{s.computers}</td>
                  <td>{SERVED_BY[s.servedBy]}</td>
                  <td>
                    {s.points.length === 0
                      ? '—'
                      : s.points.map((p) => (
                          <div key={p.id}>
                            <code>{p.url}</code> ({p.kind}):{' '}
                            {p.kind === 'static' ? 'not verified' : `${p.staged} of ${d.files}`}
                          </div>
                        ))}
                  </td>
                  <td>
                    {s.gaps.length === 0 ? (
                      <span className="good">nothing</span>
                    ) : (
                      <ul className="gaps">
                        {s.gaps.slice(0, GAPS_SHOWN).map((g) => (
                          <li key={`${g.pointId}:${g.sha256}`}>
                            <code>{g.path}</code> on{' '}
                            {s.points.find((p) => p.id === g.pointId)?.url ?? g.pointId}:{' '}
                            <span className={g.state === 'corrupt' ? 'bad' : 'warn'}>
                              {gapWords(g.state)}
                            </span>
                            {g.detail ? ` (${g.detail})` : ''}
                          </li>
                        ))}
                        {s.gaps.length > GAPS_SHOWN && (
                          <li className="muted">and {s.gaps.length - GAPS_SHOWN} more</li>
                        )}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  );
}

/**
 * Where computers download update files: the sites, their distribution points with what
 * each holds, and whether each live deployment's files are staged where they are needed.
 */
export function Distribution({ api }: { api: Api }) {
  const may = useMay();
  // Bumped by a registration, a removal or Refresh: the lists and the status are read again.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  return (
    <>
      <div className="heading">
        <h1>Sites and distribution points</h1>
        <button type="button" onClick={changed}>
          Refresh
        </button>
      </div>
      <ContentStatus api={api} version={version} />
      <Points api={api} version={version} onChanged={changed} />
      {may('registerPoint') && <RegisterPoint api={api} onRegistered={changed} />}
      <Sites key={version} api={api} />
      <SiteRules api={api} version={version} onChanged={changed} />
    </>
  );
}
