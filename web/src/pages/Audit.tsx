import { useState, type FormEvent } from 'react';
import type { AuditEntryView } from '../../../src/contracts/audit.js';
import type { Api } from '../api/client.js';
import { Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Pager, useCursors } from '../components/Pager.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';

const PAGE = 50;

type Filters = { actor: string; action: string; target: string };

function outcome(e: AuditEntryView): string {
  if (e.status < 400) return String(e.status);
  return `${e.status} ${e.error ?? ''}${e.message ? `: ${e.message}` : ''}`;
}

function targetOf(e: AuditEntryView): string {
  const values = Object.values(e.target);
  return values.length > 0 ? values.join(', ') : '—';
}

/**
 * The audit log (`GET /api/v1/audit`): who did what, from where, with what outcome; newest
 * first, a page at a time, filtered on the server. Reading it is itself recorded.
 */
export function Audit({ api }: { api: Api }) {
  const [draft, setDraft] = useState<Filters>({ actor: '', action: '', target: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const cursors = useCursors(JSON.stringify(filters));
  const cursor = cursors.cursor;
  const query = {
    limit: PAGE,
    ...(cursor !== undefined && { cursor }),
    ...(filters.actor.trim() && { actor: filters.actor.trim() }),
    ...(filters.action.trim() && { action: filters.action.trim() }),
    ...(filters.target.trim() && { target: filters.target.trim() }),
  };
  const page = useLoad(() => api.listAudit(query), `audit:${JSON.stringify(query)}`);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const field = (key: keyof Filters, label: string, hint: string) => (
    <label className="inline">
      {label}{' '}
      <input
        value={draft[key]}
        placeholder={hint}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </label>
  );
  const items = page.data?.items ?? [];
  return (
    <>
      <div className="heading">
        <h1>Audit</h1>
        <Freshness at={page.at} />
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </div>
      <form className="row filters" onSubmit={apply} aria-label="Audit filters">
        {field('actor', 'Actor', 'alice')}
        {field('action', 'Action', 'haltDeployment')}
        {field('target', 'Target', 'a deployment id, a group…')}
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={page.error} title="Could not load the audit log" />
      {page.loading && !page.data && <Loading what="the audit log" />}
      {page.data && items.length === 0 && <Empty>No audit entry matches.</Empty>}
      {items.length > 0 && (
        <table>
          <caption>
            Audit entries {cursors.page > 1 ? `(page ${cursors.page})` : ''}, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">From</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>
                  {e.actor ?? <span className="muted">no valid token</span>}
                  {e.role && <div className="muted small">{e.role}</div>}
                </td>
                <td>{e.from}</td>
                <td>
                  <code>{e.action}</code>
                  <div className="muted small">
                    {e.method} {e.path}
                  </div>
                </td>
                <td>{targetOf(e)}</td>
                <td className={e.status >= 400 ? 'bad' : undefined}>{outcome(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={page.data?.nextCursor} labels={['Newer', 'Older']} />
    </>
  );
}
