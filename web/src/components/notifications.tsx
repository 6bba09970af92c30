import { useEffect, useState } from 'react';
import type { NotificationView } from '../../../src/contracts/announce-routes.js';
import type { Api } from '../api/client.js';
import type { Page } from '../api/lists.js';
import { when } from '../format.js';
import { Badge, Empty, ErrorNote } from './common.js';

const SHOWN = 200;

/**
 * Who was told this deployment's schedule: each e-mail, its recipient, state and last
 * error. Read again whenever `version` changes (the live view did).
 */
export function DeploymentNotifications({
  api,
  id,
  version,
}: {
  api: Api;
  id: string;
  version: unknown;
}) {
  const [page, setPage] = useState<Page<NotificationView> | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let gone = false;
    api.listNotifications({ deployment: id, limit: SHOWN }).then(
      (p) => {
        if (!gone) setPage(p);
      },
      (e: unknown) => {
        if (!gone) setError(e);
      },
    );
    return () => {
      gone = true;
    };
  }, [api, id, version]);
  return (
    <section aria-labelledby="notifications-h">
      <h2 id="notifications-h">Notifications</h2>
      <ErrorNote error={error} title="Could not load the notifications" />
      {page?.total === 0 && (
        <Empty>No e-mail about this deployment (none configured, or nobody to tell).</Empty>
      )}
      {page && page.total > 0 && (
        <table>
          <caption>
            {page.total} e-mails
            {page.total > page.items.length ? `, the newest ${page.items.length} shown` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">To</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Send at</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((n) => (
              <tr key={n.id}>
                <NotificationCells n={n} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * One e-mail's cells, as both lists show them: to whom, (its subject,) kind, state, when,
 * attempts and the last error.
 */
export function NotificationCells({
  n,
  subject = false,
}: {
  n: NotificationView;
  subject?: boolean;
}) {
  return (
    <>
      <td>
        {n.recipient} <span className="muted">({n.audience})</span>
      </td>
      {subject && <td>{n.subject}</td>}
      <td>{n.phase === null ? n.kind : `${n.kind} (${n.phase})`}</td>
      <td>
        <Badge value={n.state} />
      </td>
      <td>{when(n.sentAt ?? n.sendAt)}</td>
      <td>{n.attempts}</td>
      <td>{n.lastError ?? ''}</td>
    </>
  );
}
