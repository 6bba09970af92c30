import { useEffect, useState, type FormEvent } from 'react';
import {
  notificationKinds,
  notificationStates,
  type NotificationListQuery,
  type SetTemplateRequest,
  type TemplateView,
} from '../../../src/contracts/announce-routes.js';
import { useMay } from '../api/access.js';
import { fieldProblems, type Api } from '../api/client.js';
import { Confirm, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { NotificationCells } from '../components/notifications.js';
import { Pager, useCursors } from '../components/Pager.js';
import { plural, when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

type Kind = TemplateView['kind'];
type Draft = Pick<TemplateView, 'subject' | 'text' | 'html'>;

const KIND_WORDS: Record<Kind, string> = {
  approved: 'Approved: sent when a deployment is approved, with its schedule',
  reminder: "Reminder: sent --reminder-before ahead of the recipient's time in each phase",
};

/** One template: its subject, text and HTML, changed (only what changed is sent) or reset. */
function Template({ api, kind }: { api: Api; kind: Kind }) {
  const mayChange = useMay()('setNotificationTemplate');
  const loaded = useLoad(() => api.getNotificationTemplate(kind), `template:${kind}`);
  const [view, setView] = useState<TemplateView | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>({ subject: '', text: '', html: '' });
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | null>(null);
  const [resetting, setResetting] = useState(false);
  const shown = (v: TemplateView) => {
    setView(v);
    setDraft({ subject: v.subject, text: v.text, html: v.html });
  };
  useEffect(() => {
    if (loaded.data) shown(loaded.data);
  }, [loaded.data]);
  const problems = new Map(fieldProblems(error).map((p) => [p.field, p.message]));
  const changes: SetTemplateRequest = {};
  if (view) {
    for (const key of ['subject', 'text', 'html'] as const)
      if (draft[key] !== view[key]) changes[key] = draft[key];
  }
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(null);
    try {
      shown(await api.setNotificationTemplate(kind, changes));
      setSaved('Saved: the e-mails queued from now on use it.');
    } catch (err) {
      setError(err);
    }
  };
  const id = (field: string) => `template-${kind}-${field}`;
  return (
    <article className="card" aria-labelledby={id('h')}>
      <div className="heading">
        <h3 id={id('h')}>{KIND_WORDS[kind]}</h3>
        {view && (
          <span className="muted">
            {view.custom
              ? `changed ${when(view.updatedAt)} by ${view.updatedBy ?? '—'}`
              : 'the built-in template'}
          </span>
        )}
      </div>
      <ErrorNote error={loaded.error} title={`Could not load the ${kind} template`} />
      {!view && !loaded.error && <Loading what={`the ${kind} template`} />}
      {view && (
        <form onSubmit={(e) => void save(e)}>
          <p className="muted small" id={id('placeholders')}>
            Placeholders: {view.placeholders.map((p) => `{{${p}}}`).join(' ')}
          </p>
          <Field id={id('subject')} label="Subject" problem={problems.get('subject')}>
            {(a) => (
              <input
                {...a}
                value={draft.subject}
                readOnly={!mayChange}
                onChange={(e) => setDraft({ ...draft, subject: e.target.value })}
              />
            )}
          </Field>
          <Field id={id('text')} label="Text" problem={problems.get('text')}>
            {(a) => (
              <textarea
                {...a}
                rows={8}
                value={draft.text}
                readOnly={!mayChange}
                onChange={(e) => setDraft({ ...draft, text: e.target.value })}
              />
            )}
          </Field>
          <Field id={id('html')} label="HTML" problem={problems.get('html')}>
            {(a) => (
              <textarea
                {...a}
                rows={8}
                className="code"
                value={draft.html}
                readOnly={!mayChange}
                onChange={(e) => setDraft({ ...draft, html: e.target.value })}
              />
            )}
          </Field>
          <ErrorNote error={error} title="Not saved" />
          {saved && (
            <p role="status" className="good">
              {saved}
            </p>
          )}
          {mayChange && (
            <div className="row">
              <button
                type="submit"
                className="primary"
                disabled={Object.keys(changes).length === 0}
              >
                Save the {kind} template
              </button>
              {view.custom && (
                <button type="button" onClick={() => setResetting(true)}>
                  Back to the built-in template
                </button>
              )}
            </div>
          )}
        </form>
      )}
      {resetting && (
        <Confirm
          title={`Reset the ${kind} template?`}
          confirmLabel="Reset"
          onConfirm={async () => {
            shown(await api.setNotificationTemplate(kind, { reset: true }));
            setSaved('Back to the built-in template.');
          }}
          onClose={() => setResetting(false)}
        >
          Its subject, text and HTML go back to the built-in ones; your changes are lost.
        </Confirm>
      )}
    </article>
  );
}

type Filters = { state: '' | NonNullable<NotificationListQuery['state']>; kind: '' | Kind };

/** Every e-mail queued, sent, failed or cancelled, newest first, filtered on the server. */
function Emails({ api }: { api: Api }) {
  const [filters, setFilters] = useState<Filters>({ state: '', kind: '' });
  const cursors = useCursors(JSON.stringify(filters));
  const query = {
    limit: 50,
    ...(cursors.cursor !== undefined && { cursor: cursors.cursor }),
    ...(filters.state && { state: filters.state }),
    ...(filters.kind && { kind: filters.kind }),
  };
  const page = useLoad(() => api.listNotifications(query), `emails:${JSON.stringify(query)}`);
  const items = page.data?.items ?? [];
  return (
    <section aria-labelledby="emails-h">
      <div className="heading">
        <h2 id="emails-h">E-mails</h2>
        <Freshness at={page.at} />
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </div>
      <div className="row filters">
        <label className="inline">
          State{' '}
          <select
            value={filters.state}
            onChange={(e) => setFilters({ ...filters, state: e.target.value as Filters['state'] })}
          >
            <option value="">any</option>
            {notificationStates.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          Kind{' '}
          <select
            value={filters.kind}
            onChange={(e) => setFilters({ ...filters, kind: e.target.value as Filters['kind'] })}
          >
            <option value="">any</option>
            {notificationKinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={page.error} title="Could not load the e-mails" />
      {page.loading && !page.data && <Loading what="the e-mails" />}
      {page.data && items.length === 0 && (
        <Empty>
          {filters.state || filters.kind
            ? 'No e-mail matches.'
            : 'No e-mail yet: none is queued without an SMTP server (--smtp-host), or before a deployment has someone to tell.'}
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>
            {plural(page.data?.total ?? 0, 'e-mail')}, newest first
            {cursors.page > 1 ? ` (page ${cursors.page})` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Send at</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {items.map((n) => (
              <tr key={n.id}>
                <td>
                  <Link to={`/deployments/${encodeURIComponent(n.deploymentId)}`}>
                    {n.deploymentId}
                  </Link>
                </td>
                <NotificationCells n={n} subject />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={page.data?.nextCursor} labels={['Newer', 'Older']} />
    </section>
  );
}

/**
 * Telling people the rollout schedule by e-mail: the templates, and every e-mail with its
 * state. The SMTP server and sender are the server's flags, not settings of this page.
 */
export function Notifications({ api }: { api: Api }) {
  return (
    <>
      <h1>E-mail notifications</h1>
      <p className="muted">
        The server sends these through the SMTP server it was started with (<code>--smtp-host</code>{' '}
        and the other <code>--smtp-*</code> flags; see operations.md, Telling people the schedule).
        Without one no e-mail is queued.
      </p>
      <section aria-labelledby="templates-h">
        <h2 id="templates-h">Templates</h2>
        {notificationKinds.map((k) => (
          <Template key={k} api={api} kind={k} />
        ))}
      </section>
      <Emails api={api} />
    </>
  );
}
