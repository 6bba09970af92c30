import { useState, type FormEvent } from 'react';
import {
  deliveryStates,
  type DeliveryListQuery,
  type WebhookView,
} from '../../../src/contracts/announce-routes.js';
import { useMay } from '../api/access.js';
import { fieldProblems, type Api } from '../api/client.js';
import { Badge, Confirm, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { Pager, useCursors } from '../components/Pager.js';
import { plural, when } from '../format.js';
import { useAction, useLoad } from '../hooks.js';
import { Link } from '../router.js';

const PAGE = 50;

function CreateWebhook({ api, onCreated }: { api: Api; onCreated: () => void }) {
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const problems = fieldProblems(error);
  const problem = (field: string) =>
    problems.find((p) => p.field === field || p.field.startsWith(`${field}.`))?.message;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    return run(async () => {
      const hook = await api.createWebhook({
        url: url.trim(),
        secret,
        events: events
          .split(/[\s,]+/)
          .map((t) => t.trim())
          .filter(Boolean),
      });
      setDone(`Created ${hook.id}: deployment events go to ${hook.url}.`);
      setUrl('');
      setSecret('');
      setEvents('');
      onCreated();
    });
  };
  return (
    <section aria-labelledby="new-webhook-h" className="card">
      <h2 id="new-webhook-h">New webhook</h2>
      <form onSubmit={(e) => void submit(e)}>
        <Field id="webhook-url" label="URL" problem={problem('url')}>
          {(a) => (
            <input
              {...a}
              type="url"
              value={url}
              placeholder="https://chat.example.com/hooks/ringmaster"
              onChange={(e) => setUrl(e.target.value)}
              required
            />
          )}
        </Field>
        <Field
          id="webhook-secret"
          label="Secret"
          problem={problem('secret')}
          hint="The key of each delivery's HMAC-SHA256 signature, at least 16 characters; never shown again"
        >
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="new-password"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              required
            />
          )}
        </Field>
        <Field
          id="webhook-events"
          label="Events (optional)"
          problem={problem('events')}
          hint="Event types separated by commas, e.g. created, halted, completed; empty: every event"
        >
          {(a) => <input {...a} value={events} onChange={(e) => setEvents(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </form>
      <ErrorNote error={error} title="Not created" />
      {done && (
        <p role="status" className="good">
          {done}
        </p>
      )}
    </section>
  );
}

type DeliveryState = '' | NonNullable<DeliveryListQuery['state']>;

function Deliveries({ api, hook }: { api: Api; hook: WebhookView }) {
  const [state, setState] = useState<DeliveryState>('');
  const cursors = useCursors(state);
  const query = {
    limit: PAGE,
    ...(cursors.cursor !== undefined && { cursor: cursors.cursor }),
    ...(state && { state }),
  };
  const page = useLoad(
    () => api.listWebhookDeliveries(hook.id, query),
    `deliveries:${hook.id}:${JSON.stringify(query)}`,
  );
  const items = page.data?.items ?? [];
  return (
    <section aria-labelledby="deliveries-h" className="card">
      <div className="heading">
        <h2 id="deliveries-h">Deliveries to {hook.url}</h2>
        <Freshness at={page.at} />
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </div>
      <label className="inline">
        State{' '}
        <select value={state} onChange={(e) => setState(e.target.value as DeliveryState)}>
          <option value="">any</option>
          {deliveryStates.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <ErrorNote error={page.error} title="Could not load the deliveries" />
      {page.loading && !page.data && <Loading what="the deliveries" />}
      {page.data && items.length === 0 && (
        <Empty>{state ? `No ${state} delivery.` : 'Nothing sent to it yet.'}</Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{plural(page.data?.total ?? 0, 'delivery', 'deliveries')}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Deployment</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last HTTP status</th>
              <th scope="col">Last error</th>
              <th scope="col">Delivered, or next attempt</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td>{d.eventType}</td>
                <td>
                  <Link to={`/deployments/${encodeURIComponent(d.deploymentId)}`}>
                    {d.deploymentId}
                  </Link>
                </td>
                <td>
                  <Badge value={d.state} />
                </td>
                <td>{d.attempts}</td>
                <td>{d.lastStatus ?? '—'}</td>
                <td>{d.lastError ?? ''}</td>
                <td>
                  {d.deliveredAt
                    ? when(d.deliveredAt)
                    : d.state === 'queued'
                      ? when(d.nextAttemptAt)
                      : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={page.data?.nextCursor} labels={['Newer', 'Older']} />
    </section>
  );
}

const deliveryWords = (counts: Record<string, number>): string =>
  deliveryStates.map((s) => `${counts[s] ?? 0} ${s}`).join(', ');

/**
 * Webhooks: deployment events POSTed as signed JSON to chat tools and ticketing. Their
 * deliveries by state and the last error; each one's deliveries; create and remove.
 */
export function Webhooks({ api }: { api: Api }) {
  const may = useMay();
  const [version, setVersion] = useState(0);
  const cursors = useCursors('webhooks');
  const query = { limit: PAGE, ...(cursors.cursor !== undefined && { cursor: cursors.cursor }) };
  const list = useLoad(
    () => api.listWebhooks(query),
    `webhooks:${JSON.stringify(query)}:${version}`,
  );
  const [removing, setRemoving] = useState<WebhookView | null>(null);
  const [open, setOpen] = useState<WebhookView | null>(null);
  const items = list.data?.items ?? [];
  return (
    <>
      <div className="heading">
        <h1>Webhooks</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Each deployment event (created, phase opened, halted, completed, …) is POSTed as JSON,
        signed with HMAC-SHA256 of the webhook&apos;s secret (see operations.md, Webhooks).
      </p>
      <ErrorNote error={list.error} title="Could not load the webhooks" />
      {list.loading && !list.data && <Loading what="the webhooks" />}
      {list.data && items.length === 0 && (
        <Empty>No webhook{may('createWebhook') ? ': create one below' : ''}.</Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{plural(list.data?.total ?? 0, 'webhook')}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Deliveries</th>
              <th scope="col">Last error</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((h) => (
              <tr key={h.id}>
                <td>
                  <code>{h.url}</code>
                  <div className="muted small">{h.id}</div>
                </td>
                <td>{h.events.length === 0 ? 'every event' : h.events.join(', ')}</td>
                <td>{deliveryWords(h.deliveries)}</td>
                <td className={h.lastError ? 'bad' : undefined}>{h.lastError ?? ''}</td>
                <td>
                  {when(h.createdAt)} <span className="muted">by {h.createdBy}</span>
                </td>
                <td>
                  <div className="row">
                    <button
                      type="button"
                      aria-pressed={open?.id === h.id}
                      aria-label={`Deliveries to ${h.url}`}
                      onClick={() => setOpen(open?.id === h.id ? null : h)}
                    >
                      Deliveries
                    </button>
                    {may('removeWebhook') && (
                      <button
                        type="button"
                        aria-label={`Remove ${h.url}`}
                        onClick={() => setRemoving(h)}
                      >
                        Remove
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} nextCursor={list.data?.nextCursor} />
      {open && <Deliveries key={open.id} api={api} hook={open} />}
      {may('createWebhook') && (
        <CreateWebhook api={api} onCreated={() => setVersion((v) => v + 1)} />
      )}
      {removing && (
        <Confirm
          title={`Remove the webhook to ${removing.url}?`}
          confirmLabel="Remove"
          onConfirm={async () => {
            await api.removeWebhook(removing.id);
            if (open?.id === removing.id) setOpen(null);
            setVersion((v) => v + 1);
          }}
          onClose={() => setRemoving(null)}
        >
          Nothing more is sent to it; what is queued for it is given up (failed, &quot;webhook
          removed&quot;).
        </Confirm>
      )}
    </>
  );
}
