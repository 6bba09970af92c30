import { computerHealthStates, type ComputerSort } from '../../../src/contracts/list-queries.js';
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
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

type Filters = {
  q: string;
  health: '' | (typeof computerHealthStates)[number];
  site: string;
  os: string;
};

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
  const paged = useServerList<Filters, ComputerSort>(empty, { sort: 'hostname', order: 'asc' });
  const { query } = paged;
  const list = useLoad(() => api.listComputers(query), `computers:${JSON.stringify(query)}`);
  const items = list.data?.items ?? [];
  return (
    <>
      <div className="heading">
        <h1>Computers</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <form className="row filters" onSubmit={paged.apply} aria-label="Computer filters">
        <TextFilter list={paged} field="q" label="Hostname or id" hint="ws-paris" search />
        <ChoiceFilter list={paged} field="health" label="Health" choices={computerHealthStates} />
        <TextFilter list={paged} field="site" label="Site" hint="paris" />
        <TextFilter list={paged} field="os" label="OS" hint="linux" />
        <button type="submit">Filter</button>
        <SortControls list={paged} sorts={SORTS} />
      </form>
      <ErrorNote error={list.error} title="Could not load the computers" />
      {list.loading && !list.data && <Loading what="computers" />}
      {list.data && items.length === 0 && (
        <Empty>{paged.filtered ? 'No computer matches.' : 'No computer has enrolled yet.'}</Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{rangeCaption('Computers', paged, items.length, list.data?.total)}</caption>
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
      <Pager cursors={paged.cursors} nextCursor={list.data?.nextCursor} />
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
