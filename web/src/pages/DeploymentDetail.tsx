import { useEffect, useState } from 'react';
import type { DeploymentComputerView, DeploymentLiveView } from '../../../src/contracts/api.js';
import { describeError, type Api } from '../api/client.js';
import { deploymentComputers, type Page } from '../api/lists.js';
import { watchDeployment, type LiveState } from '../api/live.js';
import { Badge, Confirm, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { PhaseTable } from '../components/counts.js';
import { DeploymentNotifications } from '../components/notifications.js';
import { when } from '../format.js';
import { Link } from '../router.js';
import { useMay } from '../api/access.js';
import { actionRoutes, actionsFor, type ActionSpec } from './deployment-actions.js';
import { DeploymentReview } from './DeploymentReview.js';
import { ChildComputersSection, ChildServersSection } from './deployment-children.js';
import { FailuresSection, ProgressSection } from './deployment-reports.js';

const SHOWN = 500;

export function DeploymentDetail({ api, token, id }: { api: Api; token: string; id: string }) {
  const [view, setView] = useState<DeploymentLiveView | undefined>(undefined);
  const [at, setAt] = useState<number | null>(null);
  const [live, setLive] = useState<{ state: LiveState; problem?: string }>({ state: 'connecting' });
  const [error, setError] = useState<unknown>(undefined);
  const [asking, setAsking] = useState<ActionSpec | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const may = useMay();
  const [computers, setComputers] = useState<Page<DeploymentComputerView>>({
    items: [],
    nextCursor: null,
    total: 0,
  });

  // The computer table is a list of its own: read again whenever the live view changes.
  useEffect(() => {
    if (!view) return;
    let gone = false;
    deploymentComputers(api, id, SHOWN).then(
      (page) => {
        if (!gone) setComputers(page);
      },
      (e: unknown) => setError(e),
    );
    return () => {
      gone = true;
    };
  }, [api, id, view]);

  useEffect(() => {
    // The first answer comes by the plain API, so a missing deployment says so in words.
    api.getDeployment(id).then(
      (deployment) =>
        api.listDeploymentEvents(id, { limit: 200, order: 'desc' }).then((events) => {
          setView((v) => v ?? { deployment, events: [...events.items].reverse() });
          setAt(Date.now());
        }),
      (e: unknown) => setError(e),
    );
    return watchDeployment(
      token,
      id,
      (v) => {
        setView(v);
        setAt(Date.now());
      },
      (state, problem) => setLive({ state, ...(problem ? { problem } : {}) }),
    );
  }, [api, token, id]);

  if (error) return <ErrorNote error={error} title={`Could not load deployment ${id}`} />;
  if (!view) return <Loading what={`deployment ${id}`} />;
  const d = view.deployment;
  // Hidden, not disabled, when the role may not: the route's permission decides.
  const allowed = actionsFor(d);
  const actions = allowed.filter((a) => may(actionRoutes[a.name]));
  return (
    <>
      <div className="heading">
        <h1>Deployment {d.id}</h1>
        <span className={`live live-${live.state}`} role="status" aria-live="polite">
          {live.state === 'live'
            ? 'Live'
            : live.state === 'connecting'
              ? 'Connecting…'
              : 'Reconnecting…'}
        </span>
        <Freshness at={at} live={live.state === 'live'} />
      </div>
      {live.problem && live.state !== 'live' && (
        <p className="muted">Live updates paused: {live.problem}</p>
      )}
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="deployment-state">
          <Badge value={d.state} /> {d.stateReason}
        </dd>
        <dt>Updates</dt>
        <dd>
          {(d.updates ?? [d.updateId]).map((u) => (
            <Link key={u} to={`/updates/${encodeURIComponent(u)}`} className="sep">
              {u}
            </Link>
          ))}
        </dd>
        <dt>Groups</dt>
        <dd>{d.groups.join(', ')}</dd>
        <dt>Action</dt>
        <dd>{d.action}</dd>
        <dt>Policy</dt>
        <dd>{d.policy ?? 'from the groups (else scheduled)'}</dd>
        <dt>Deadline</dt>
        <dd>{when(d.deadline)}</dd>
        {d.emergency && (
          <>
            <dt>Emergency</dt>
            <dd>{d.emergency}</dd>
          </>
        )}
        <dt>Waiting for</dt>
        <dd>{d.waitingFor ?? '—'}</dd>
      </dl>
      <section aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        {actions.length === 0 ? (
          <Empty>
            {allowed.length === 0
              ? `No action applies to a ${d.state} deployment.`
              : 'Your role does not act on deployments.'}
          </Empty>
        ) : (
          <div className="row">
            {actions.map((a) => (
              <button key={a.name} type="button" onClick={() => setAsking(a)}>
                {a.label}
              </button>
            ))}
          </div>
        )}
        {done && (
          <p role="status" className="good">
            {done}
          </p>
        )}
      </section>
      {asking && (
        <Confirm
          title={`${asking.label} deployment ${d.id}?`}
          confirmLabel={asking.label}
          withReason={asking.name !== 'promote'}
          onClose={() => setAsking(null)}
          onConfirm={async (reason) => {
            try {
              await asking.run(api, d.id, reason);
              setDone(`${asking.label}: done.`);
            } catch (e) {
              throw new Error(describeError(e));
            }
          }}
        >
          <p>{asking.effect}</p>
        </Confirm>
      )}
      <section aria-labelledby="phases-h">
        <h2 id="phases-h">Phases</h2>
        <PhaseTable phases={d.phases} />
      </section>
      <ChildServersSection api={api} id={d.id} change={view} />
      <ChildComputersSection api={api} id={d.id} change={view} />
      <ProgressSection api={api} id={d.id} phases={d.phases.map((p) => p.name)} change={view} />
      <FailuresSection api={api} id={d.id} change={view} />
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        {view.events.length === 0 ? (
          <Empty>No events yet.</Empty>
        ) : (
          <ol className="timeline">
            {view.events.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.type}</strong>
                {e.phase ? ` (${e.phase})` : ''}: {e.message}{' '}
                <span className="muted">by {e.actor}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="review-h">
        <h2 id="review-h">Review</h2>
        <DeploymentReview api={api} id={d.id} version={`${d.state}:${view.events.length}`} />
      </section>
      <DeploymentNotifications api={api} id={id} version={view} />
      <section aria-labelledby="computers-h">
        <h2 id="computers-h">Computers</h2>
        {computers.total === 0 ? (
          <Empty>No computer is in this deployment's target yet.</Empty>
        ) : (
          <table>
            <caption>
              {computers.total} computer × update statuses
              {computers.total > computers.items.length
                ? `, the first ${computers.items.length} shown`
                : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Computer</th>
                <th scope="col">Phase</th>
                <th scope="col">Update</th>
                <th scope="col">Status</th>
                <th scope="col">Failure reason</th>
                <th scope="col">Attempts</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {computers.items.map((c) => (
                <tr key={`${c.computerId}-${c.updateId}`}>
                  <td>
                    <Link to={`/computers/${encodeURIComponent(c.computerId)}`}>{c.hostname}</Link>
                  </td>
                  <td>{c.phase ?? 'not placed'}</td>
                  <td>{c.updateId}</td>
                  <td>
                    <Badge value={c.state} />
                  </td>
                  <td>{c.reason ?? ''}</td>
                  <td>{c.attempts}</td>
                  <td>{when(c.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
