import { useEffect, useState } from 'react';
import type { FailureReportView, ProgressReportView } from '../../../src/contracts/report.js';
import { formatPercent } from '../../../src/domain/rollout/duration.js';
import type { Api } from '../api/client.js';
import { ProgressChart, progressSeries, ReasonChart } from '../components/charts.js';
import { Empty, ErrorNote, Freshness } from '../components/common.js';
import { when } from '../format.js';

/**
 * A deployment's reports on its page: progress over time and failures with what sets
 * the failed computers apart. Both are read again whenever `change` does (the live
 * view, each time the deployment's counts move), so they follow the rollout.
 */

type Read<T> = { data?: T; error?: unknown; at: number | null };

function useReport<T>(read: () => Promise<T>, key: string, change: unknown): Read<T> {
  const [state, setState] = useState<Read<T>>({ at: null });
  useEffect(() => {
    let gone = false;
    read().then(
      (data) => !gone && setState({ data, at: Date.now() }),
      (error: unknown) => !gone && setState((s) => ({ ...s, error })),
    );
    return () => {
      gone = true;
    };
    // `read` changes every render; `key` and `change` say when to read again.
  }, [key, change]);
  return state;
}

export function ProgressSection(props: {
  api: Api;
  id: string;
  phases: string[];
  change: unknown;
}) {
  const [phase, setPhase] = useState<string | null>(null);
  const report = useReport<ProgressReportView>(
    () => props.api.getDeploymentProgress(props.id),
    props.id,
    props.change,
  );
  const points = report.data?.points ?? [];
  const { rows, states } = progressSeries(points, phase);
  return (
    <section aria-labelledby="progress-h">
      <div className="heading">
        <h2 id="progress-h">Progress over time</h2>
        <label className="inline">
          Phase
          <select
            id="progress-phase"
            value={phase ?? ''}
            onChange={(e) => setPhase(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">all phases</option>
            {props.phases.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <Freshness at={report.at} />
      </div>
      <ErrorNote error={report.error} title="Could not load the progress" />
      {report.data && points.length === 0 && (
        <Empty>No progress recorded yet: the first point comes with the first count.</Empty>
      )}
      {points.length > 0 && (
        <>
          <ProgressChart points={points} phase={phase} />
          <details>
            <summary>The figures, as a table</summary>
            <table>
              <caption>
                Computers per state at each change,{' '}
                {phase === null ? 'all phases' : `phase ${phase}`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  {states.map((s) => (
                    <th scope="col" key={s}>
                      {s}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={`${r.t}-${i}`}>
                    <th scope="row">{when(new Date(r.t ?? 0).toISOString())}</th>
                    {states.map((s) => (
                      <td key={s}>{r[s] ?? 0}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

/** A p-value in words: how unlikely the cluster is by chance. */
export function significance(p: number): string {
  if (p < 0.001) return 'very unlikely by chance';
  if (p < 0.01) return 'unlikely by chance';
  if (p < 0.05) return 'probably not chance';
  return 'could be chance';
}

const pText = (p: number) => (p < 0.0001 ? '< 0.0001' : p.toPrecision(2));

export function FailuresSection(props: { api: Api; id: string; change: unknown }) {
  const [reason, setReason] = useState<string | null>(null);
  const report = useReport<FailureReportView>(
    () => props.api.getDeploymentFailures(props.id, reason === null ? {} : { reason }),
    `${props.id}:${reason ?? ''}`,
    props.change,
  );
  const r = report.data;
  const total = r?.reasons.reduce((n, x) => n + x.failures, 0) ?? 0;
  return (
    <section aria-labelledby="failures-h">
      <div className="heading">
        <h2 id="failures-h">Failures</h2>
        {r && r.reasons.length > 1 && (
          <label className="inline">
            Reason
            <select
              id="failure-reason"
              value={reason ?? ''}
              onChange={(e) => setReason(e.target.value === '' ? null : e.target.value)}
            >
              <option value="">every reason</option>
              {r.reasons.map((x) => (
                <option key={x.reason} value={x.reason}>
                  {x.reason}
                </option>
              ))}
            </select>
          </label>
        )}
        <Freshness at={report.at} />
      </div>
      <ErrorNote error={report.error} title="Could not load the failures" />
      {r && total === 0 && <Empty>No computer has failed.</Empty>}
      {r && total > 0 && (
        <>
          <h3>By reason</h3>
          <ReasonChart reasons={r.reasons} />
          <table>
            <caption>Failed computer × update statuses by reason ({total})</caption>
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Failures</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {r.reasons.map((x) => (
                <tr key={x.reason}>
                  <th scope="row">{x.reason}</th>
                  <td>{x.failures}</td>
                  <td>{formatPercent(x.percent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>What sets the failed computers apart</h3>
          <p className="muted">
            {r.failedComputers} of {r.target} target computers failed
            {reason ? ` with ${reason}` : ''}. Inventory values over-represented among them, the
            least likely by chance first (one-sided Fisher exact test).
          </p>
          {r.clusters.length === 0 ? (
            <Empty>
              Nothing sets them apart: no inventory value is over-represented among the failed
              computers.
            </Empty>
          ) : (
            <ol className="clusters" data-testid="failure-clusters">
              {r.clusters.map((c) => (
                <li key={`${c.attribute}=${c.value}`} className="card">
                  <strong>{c.summary}</strong>
                  <div className="muted">
                    {c.attribute} = {c.value}: {c.failed} failed ({formatPercent(c.failedPercent)}{' '}
                    of failures), {c.target} in the target ({formatPercent(c.targetPercent)}); p ={' '}
                    {pText(c.pValue)}, {significance(c.pValue)}
                  </div>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      {r && r.children.length > 0 && (
        <table>
          <caption>Failed on child servers (as each sent its statuses up)</caption>
          <thead>
            <tr>
              <th scope="col">Child</th>
              <th scope="col">Failed computers</th>
              <th scope="col">Reasons</th>
            </tr>
          </thead>
          <tbody>
            {r.children.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.failedComputers}</td>
                <td>{c.reasons.map((x) => `${x.reason} ${x.failures}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
