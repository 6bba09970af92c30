import { useEffect, useState, type FormEvent } from 'react';
import type { GroupPreviewView } from '../../../src/contracts/api.js';
import { fieldProblems, type Api } from '../api/client.js';
import { groupKinds, type GroupKind, type GroupSort } from '../../../src/contracts/list-queries.js';
import {
  ChoiceFilter,
  rangeCaption,
  SortControls,
  TextFilter,
  useServerList,
} from '../components/ListControls.js';
import { Pager } from '../components/Pager.js';
import { Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { useLoad } from '../hooks.js';
import { useMay } from '../api/access.js';
import { WeekCalendar } from '../components/WeekCalendar.js';
import { Link, navigate } from '../router.js';

/** The members a query would have, asked again a moment after each keystroke. */
function useQueryPreview(api: Api, query: string) {
  const [state, setState] = useState<{ view?: GroupPreviewView; error?: unknown }>({});
  useEffect(() => {
    if (query.trim() === '') {
      setState({});
      return;
    }
    let current = true;
    const t = setTimeout(() => {
      api.previewGroup({ query }).then(
        (view) => current && setState({ view }),
        (error: unknown) => current && setState({ error }),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [api, query]);
  return state;
}

type Filters = { q: string; kind: '' | GroupKind };

const SORTS: { value: GroupSort; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'createdAt', label: 'Created' },
];

/** The groups a page at a time (filtered, sorted and paged by the server), and a new one. */
export function Groups({ api }: { api: Api }) {
  const empty: Filters = { q: '', kind: '' };
  const paged = useServerList<Filters, GroupSort>(empty, { sort: 'name', order: 'asc' });
  const list = useLoad(() => api.listGroups(paged.query), `groups:${JSON.stringify(paged.query)}`);
  const items = list.data?.items ?? [];
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'static' | 'query'>('query');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const preview = useQueryPreview(api, kind === 'query' ? query : '');
  const problems = new Map(fieldProblems(error).map((p) => [p.field, p.message]));
  const previewProblem = fieldProblems(preview.error).find((p) => p.field === 'query')?.message;
  const mayCreate = useMay()('createGroup');
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const g = await api.createGroup({ name, ...(kind === 'query' ? { query } : {}) });
      navigate(`/groups/${encodeURIComponent(g.name)}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <div className="heading">
        <h1>Groups</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <form className="row filters" onSubmit={paged.apply} aria-label="Group filters">
        <TextFilter list={paged} field="q" label="Name" hint="paris" search />
        <ChoiceFilter list={paged} field="kind" label="Kind" choices={groupKinds} />
        <button type="submit">Filter</button>
        <SortControls list={paged} sorts={SORTS} />
      </form>
      <ErrorNote error={list.error} title="Could not load the groups" />
      {list.loading && !list.data && <Loading what="groups" />}
      {list.data && items.length === 0 && (
        <Empty>
          {paged.filtered
            ? 'No group matches these filters.'
            : `No groups yet${mayCreate ? ': create one below' : ''}.`}
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{rangeCaption('Groups', paged, items.length, list.data?.total)}</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Kind</th>
              <th scope="col">Query</th>
              <th scope="col">Members</th>
              <th scope="col">Windows</th>
              <th scope="col">Policy</th>
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={g.id}>
                <td>
                  <Link to={`/groups/${encodeURIComponent(g.name)}`}>{g.name}</Link>
                </td>
                <td>{g.kind}</td>
                <td>{g.query ? <code>{g.query}</code> : '—'}</td>
                <td>{g.memberCount}</td>
                <td>{g.windows.length}</td>
                <td>{g.policy ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={paged.cursors} nextCursor={list.data?.nextCursor} />
      {mayCreate && (
        <section aria-labelledby="new-group-h">
          <h2 id="new-group-h">New group</h2>
          <form onSubmit={(e) => void create(e)}>
            <Field id="group-name" label="Name" problem={problems.get('name')}>
              {(a) => (
                <input {...a} value={name} onChange={(e) => setName(e.target.value)} required />
              )}
            </Field>
            <fieldset>
              <legend>Kind</legend>
              <label className="check">
                <input
                  type="radio"
                  name="kind"
                  checked={kind === 'query'}
                  onChange={() => setKind('query')}
                />
                Query: computers whose inventory matches
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="kind"
                  checked={kind === 'static'}
                  onChange={() => setKind('static')}
                />
                Static: members added by name (with the CLI: <code>ringmaster group add</code>)
              </label>
            </fieldset>
            {kind === 'query' && (
              <>
                <Field
                  id="group-query"
                  label="Query"
                  hint={'e.g. os = "linux" and site = "tokyo"'}
                  problem={problems.get('query') ?? previewProblem}
                >
                  {(a) => <input {...a} value={query} onChange={(e) => setQuery(e.target.value)} />}
                </Field>
                <div aria-live="polite" className="preview" data-testid="query-preview">
                  {preview.view && (
                    <p>
                      Matches {preview.view.count} computer{preview.view.count === 1 ? '' : 's'}
                      {preview.view.members.length > 0 ? ': ' : '.'}
                      {preview.view.members.map((m) => m.hostname).join(', ')}
                      {preview.view.count > preview.view.members.length ? ', …' : ''}
                    </p>
                  )}
                </div>
              </>
            )}
            <ErrorNote error={problems.size === 0 ? error : undefined} title="Not created" />
            <button type="submit" className="primary">
              Create group
            </button>
          </form>
        </section>
      )}
    </>
  );
}

export function GroupDetail({ api, name }: { api: Api; name: string }) {
  const g = useLoad(() => api.getGroup(name), `group:${name}`);
  if (g.error) return <ErrorNote error={g.error} title={`Could not load group ${name}`} />;
  if (!g.data) return <Loading what={`group ${name}`} />;
  const d = g.data;
  return (
    <>
      <h1>Group {d.name}</h1>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{d.kind}</dd>
        {d.query && (
          <>
            <dt>Query</dt>
            <dd>
              <code>{d.query}</code>
            </dd>
          </>
        )}
        <dt>Policy</dt>
        <dd>{d.policy ?? 'none set'}</dd>
        <dt>Maintenance windows</dt>
        <dd>
          {d.windows.length === 0
            ? 'none: installs may start at any time'
            : d.windows
                .map((w) => `"${w.cron}" ${w.timezone} for ${w.durationMinutes} min`)
                .join('; ')}
        </dd>
      </dl>
      {d.windows.length > 0 && <WeekCalendar windows={d.windows} />}
      <h2>Members ({d.members.length})</h2>
      {d.members.length === 0 ? (
        <Empty>No members.</Empty>
      ) : (
        <ul className="columns">
          {d.members.map((m) => (
            <li key={m.id}>
              <Link to={`/computers/${encodeURIComponent(m.id)}`}>{m.hostname}</Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
