import { useState, type FormEvent } from 'react';
import { computerHealthStates, type ComputerSort } from '../../../src/contracts/list-queries.js';
import type { SortOrder } from '../../../src/contracts/paging.js';
import type { Api } from '../api/client.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Pager, useCursors } from '../components/Pager.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

const PAGE = 50;

type Filters = {
  q: string;
  health: '' | (typeof computerHealthStates)[number];
  site: string;
  os: string;
};
type Order = { sort: ComputerSort; order: SortOrder };

const SORTS: { value: ComputerSort; label: string }[] = [
  { value: 'hostname', label: 'Hostname' },
  { value: 'enrolledAt', label: 'Enrolled' },
  { value: 'os', label: 'OS' },
  { value: 'id', label: 'Id' },
];

/**
 * The fleet a page at a time: filtered, sorted and paged by the server (keyset), so the
 * first rows come as fast with 100,000 computers as with five.
 */
export function Computers({ api }: { api: Api }) {
  const empty: Filters = { q: '', health: '', site: '', os: '' };
  const [draft, setDraft] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  const [order, setOrder] = useState<Order>({ sort: 'hostname', order: 'asc' });
  const cursors = useCursors(JSON.stringify([filters, order]));
  const query = {
    limit: PAGE,
    ...order,
    ...(cursors.cursor !== undefined && { cursor: cursors.cursor }),
    ...(filters.q.trim() && { q: filters.q.trim() }),
    ...(filters.health && { health: filters.health }),
    ...(filters.site.trim() && { site: filters.site.trim() }),
    ...(filters.os.trim() && { os: filters.os.trim() }),
  };
  const list = useLoad(() => api.listComputers(query), `computers:${JSON.stringify(query)}`);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const text = (key: 'q' | 'site' | 'os', label: string, hint: string) => (
    <label className="inline">
      {label}{' '}
      <input
        type={key === 'q' ? 'search' : 'text'}
        value={draft[key]}
        placeholder={hint}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </label>
  );
  const items = list.data?.items ?? [];
  const filtered = JSON.stringify(filters) !== JSON.stringify(empty);
  const first = (cursors.page - 1) * PAGE + 1;
  return (
    <>
      <div className="heading">
        <h1>Computers</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <form className="row filters" onSubmit={apply} aria-label="Computer filters">
        {text('q', 'Hostname or id', 'ws-paris')}
        <label className="inline">
          Health{' '}
          <select
            value={draft.health}
            onChange={(e) => setDraft({ ...draft, health: e.target.value as Filters['health'] })}
          >
            <option value="">any</option>
            {computerHealthStates.map((h) => (
              <option key={h}>{h}</option>
            ))}
          </select>
        </label>
        {text('site', 'Site', 'paris')}
        {text('os', 'OS', 'linux')}
        <button type="submit">Filter</button>
        <label className="inline">
          Sort by{' '}
          <select
            value={order.sort}
            onChange={(e) => setOrder({ ...order, sort: e.target.value as ComputerSort })}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Order{' '}
          <select
            value={order.order}
            onChange={(e) => setOrder({ ...order, order: e.target.value as SortOrder })}
          >
            <option value="asc">ascending</option>
            <option value="desc">descending</option>
          </select>
        </label>
      </form>
      <ErrorNote error={list.error} title="Could not load the computers" />
      {list.loading && !list.data && <Loading what="computers" />}
      {list.data && items.length === 0 && (
        <Empty>{filtered ? 'No computer matches.' : 'No computer has enrolled yet.'}</Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>
            Computers {first.toLocaleString()}–{(first + items.length - 1).toLocaleString()} of{' '}
            {list.data?.total.toLocaleString()}
            {filtered ? ' matching' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Hostname</th>
              <th scope="col">Health</th>
              <th scope="col">OS</th>
              <th scope="col">Site</th>
              <th scope="col">Groups</th>
              <th scope="col">Free disk</th>
              <th scope="col">Last seen</th>
              <th scope="col">Last absence</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/computers/${encodeURIComponent(c.id)}`}>{c.hostname}</Link>
                </td>
                <td>
                  <Badge value={c.revokedAt ? 'revoked' : c.health.state} />
                </td>
                <td>
                  {c.os} {c.osVersion} ({c.arch})
                </td>
                <td>{c.site ?? '—'}</td>
                <td>{c.groups.join(', ')}</td>
                <td>{c.freeDiskMB} MB</td>
                <td>{when(c.lastSeenAt)}</td>
                <td>
                  {c.lastAbsence ? `${c.lastAbsence.kind} until ${when(c.lastAbsence.to)}` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={list.data?.nextCursor} />
    </>
  );
}

export function ComputerDetail({ api, id }: { api: Api; id: string }) {
  const c = useLoad(() => api.getComputer(id), `computer:${id}`);
  if (c.error) return <ErrorNote error={c.error} title={`Could not load computer ${id}`} />;
  if (!c.data) return <Loading what={`computer ${id}`} />;
  const d = c.data;
  return (
    <>
      <div className="heading">
        <h1>{d.hostname}</h1>
        <Badge value={d.health.state} />
        <Freshness at={c.at} />
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>{d.id}</dd>
        <dt>OS</dt>
        <dd>
          {d.os} {d.osVersion} ({d.arch})
        </dd>
        <dt>Site</dt>
        <dd>
          {d.site ?? '—'}
          {d.siteSource && <span className="muted"> (from {d.siteSource})</span>}
        </dd>
        <dt>Seen at</dt>
        <dd>{d.seenAddress ?? '—'}</dd>
        <dt>Groups</dt>
        <dd>{d.groups.join(', ') || '—'}</dd>
        <dt>Agent</dt>
        <dd>{d.agentVersion}</dd>
        <dt>Addresses</dt>
        <dd>{d.ipAddresses.join(', ') || '—'}</dd>
        <dt>Free disk</dt>
        <dd>{d.freeDiskMB} MB</dd>
        <dt>Enrolled</dt>
        <dd>{when(d.enrolledAt)}</dd>
        <dt>Last seen</dt>
        <dd>{when(d.lastSeenAt)}</dd>
        {d.revokedAt && (
          <>
            <dt>Revoked</dt>
            <dd>
              {when(d.revokedAt)} by {d.revokedBy}
            </dd>
          </>
        )}
      </dl>
      <h2>Updates</h2>
      {d.statuses.length === 0 ? (
        <Empty>No update has been assigned to this computer.</Empty>
      ) : (
        <table>
          <caption>Status of each update on {d.hostname}</caption>
          <thead>
            <tr>
              <th scope="col">Update</th>
              <th scope="col">Status</th>
              <th scope="col">Failure reason</th>
              <th scope="col">Message</th>
              <th scope="col">Attempts</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {d.statuses.map((s) => (
              <tr key={`${s.updateId}-${s.deploymentId ?? ''}`}>
                <td>
                  <Link to={`/updates/${encodeURIComponent(s.updateId)}`}>{s.updateId}</Link>
                </td>
                <td>
                  <Badge value={s.state} />
                </td>
                <td>{s.reason ?? ''}</td>
                <td>{s.message ?? ''}</td>
                <td>{s.attempts}</td>
                <td>{when(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Absences</h2>
      {d.absences.length === 0 ? (
        <Empty>No absence recorded.</Empty>
      ) : (
        <ul>
          {d.absences.map((a) => (
            <li key={`${a.from}-${a.kind}`}>
              {a.kind}: {when(a.from)} to {when(a.to)}
              {a.detail ? ` (${a.detail})` : ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
