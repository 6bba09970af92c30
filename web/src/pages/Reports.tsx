import { useEffect, useState } from 'react';
import { formatDuration, formatPercent } from '../../../src/domain/rollout/duration.js';
import type { ComplianceRow } from '../../../src/contracts/scan.js';
import { complianceBy } from '../../../src/contracts/scan.js';
import type { Api } from '../api/client.js';
import { listDiscrepancies, listStale } from '../api/lists.js';
import { complianceStates } from '../../../src/domain/scan.js';
import { ComplianceChart } from '../components/charts.js';
import { Badge, Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import { ago, plural, when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

type By = (typeof complianceBy)[number];

/** Installed of those that apply and were seen (installed, required, failed); null if none. */
export function compliantShare(r: ComplianceRow): number | null {
  const applies = r.installed + r.required + r.failed;
  return applies === 0 ? null : (100 * r.installed) / applies;
}

function rowLink(by: By, r: ComplianceRow) {
  if (by === 'computer' && r.computerId)
    return <Link to={`/computers/${encodeURIComponent(r.computerId)}`}>{r.key}</Link>;
  if (by === 'update') return <Link to={`/updates/${encodeURIComponent(r.key)}`}>{r.key}</Link>;
  if (by === 'group') return <Link to={`/groups/${encodeURIComponent(r.key)}`}>{r.key}</Link>;
  return r.key;
}

/** The compliance CSV, fetched with the token (a plain link cannot send it) and saved. */
async function downloadCsv(api: Api, by: By): Promise<void> {
  const text = await api.complianceCsv({ by });
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `compliance-by-${by}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ComplianceSection({ api }: { api: Api }) {
  const [by, setBy] = useState<By>('update');
  const report = useLoad(() => api.complianceReport({ by }), `compliance-${by}`);
  const [csvError, setCsvError] = useState<unknown>(undefined);
  const rows = report.data?.by === by ? report.data.rows : undefined;
  return (
    <section aria-labelledby="compliance-h">
      <div className="heading">
        <h2 id="compliance-h">Compliance</h2>
        <label className="inline">
          By
          <select id="compliance-by" value={by} onChange={(e) => setBy(e.target.value as By)}>
            {complianceBy.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            setCsvError(undefined);
            downloadCsv(api, by).catch(setCsvError);
          }}
        >
          Download CSV
        </button>
        <button type="button" onClick={report.reload}>
          Refresh
        </button>
      </div>
      <p className="muted">
        From the independent scan: what each computer really has, whatever a deployment did.{' '}
        {report.data && (
          <span data-testid="compliance-generated">Computed {when(report.data.generatedAt)}</span>
        )}{' '}
        <Freshness at={report.at} />
      </p>
      <ErrorNote error={report.error} title="Could not load the compliance report" />
      <ErrorNote error={csvError} title="Could not download the CSV" />
      {report.loading && !rows && <Loading what="compliance" />}
      {rows && rows.length === 0 && (
        <Empty>
          No scan has reported yet: each computer reports what it has at its next check-in.
        </Empty>
      )}
      {rows && rows.length > 0 && (
        <>
          <ComplianceChart rows={rows} label={`Compliance by ${by}`} />
          <table data-testid="compliance-table">
            <caption>
              Computer × update pairs per state, by {by} ({rows.length})
            </caption>
            <thead>
              <tr>
                <th scope="col">{by}</th>
                {complianceStates.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
                <th scope="col">compliant</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const share = compliantShare(r);
                return (
                  <tr key={`${r.key}-${r.computerId ?? ''}`} data-key={r.key}>
                    <th scope="row">{rowLink(by, r)}</th>
                    {complianceStates.map((s) => (
                      <td key={s} data-state={s}>
                        {r[s]}
                      </td>
                    ))}
                    <td>{share === null ? '—' : formatPercent(share)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function DiscrepanciesSection({ api }: { api: Api }) {
  const list = useLoad(() => listDiscrepancies(api), 'discrepancies');
  return (
    <section aria-labelledby="discrepancies-h">
      <h2 id="discrepancies-h">Discrepancies</h2>
      <p className="muted">
        A status says installed, and the scan since does not find the update.{' '}
        <Freshness at={list.at} />
      </p>
      <ErrorNote error={list.error} title="Could not load the discrepancies" />
      {list.loading && !list.data && <Loading what="discrepancies" />}
      {list.data?.total === 0 && (
        <Empty>No discrepancy: every status that says installed agrees with the latest scan.</Empty>
      )}
      {list.data && list.data.total > 0 && (
        <table data-testid="discrepancies-table">
          <caption>{plural(list.data.total, 'status', 'statuses')} the scan contradicts</caption>
          <thead>
            <tr>
              <th scope="col">Computer</th>
              <th scope="col">Update</th>
              <th scope="col">Deployment</th>
              <th scope="col">Status says</th>
              <th scope="col">Scan says</th>
              <th scope="col">Scan last looked</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((d) => (
              <tr key={`${d.computerId}-${d.updateId}`}>
                <th scope="row">
                  <Link to={`/computers/${encodeURIComponent(d.computerId)}`}>{d.hostname}</Link>
                </th>
                <td>{d.updateId}</td>
                <td>
                  {d.deploymentId ? (
                    <Link to={`/deployments/${encodeURIComponent(d.deploymentId)}`}>
                      {d.deploymentId}
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  <Badge value={d.status} /> since {when(d.statusAt)}
                </td>
                <td>
                  <Badge value={d.scan} /> since {when(d.scanChangedAt)}
                </td>
                <td>{ago(Date.parse(d.scanDetectedAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StaleSection({ api }: { api: Api }) {
  const list = useLoad(() => listStale(api), 'stale');
  return (
    <section aria-labelledby="stale-h">
      <h2 id="stale-h">Needs investigation</h2>
      <p className="muted">
        Computers whose last successful run of an assignment is older than its recurrence interval.{' '}
        <Freshness at={list.at} />
      </p>
      <ErrorNote error={list.error} title="Could not load the stale computers" />
      {list.loading && !list.data && <Loading what="stale computers" />}
      {list.data?.total === 0 && <Empty>No computer needs investigation.</Empty>}
      {list.data && list.data.total > 0 && (
        <table data-testid="stale-table">
          <caption>
            {plural(list.data.total, 'assignment')} that {list.data.total === 1 ? 'needs' : 'need'}{' '}
            investigation
          </caption>
          <thead>
            <tr>
              <th scope="col">Computer</th>
              <th scope="col">Update</th>
              <th scope="col">Deployment</th>
              <th scope="col">State</th>
              <th scope="col">Last succeeded</th>
              <th scope="col">Recurrence</th>
              <th scope="col">Last heard</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((s) => (
              <tr key={`${s.computerId}-${s.deploymentId}-${s.updateId}`}>
                <th scope="row">
                  <Link to={`/computers/${encodeURIComponent(s.computerId)}`}>{s.hostname}</Link>
                </th>
                <td>{s.updateId}</td>
                <td>
                  <Link to={`/deployments/${encodeURIComponent(s.deploymentId)}`}>
                    {s.deploymentId}
                  </Link>
                </td>
                <td>
                  <Badge value={s.state} />
                </td>
                <td title={s.stale.message}>
                  {s.stale.lastSucceededAt
                    ? `${formatDuration(s.stale.ageSeconds)} ago`
                    : `never (assigned ${formatDuration(s.stale.ageSeconds)} ago)`}
                </td>
                <td>every {formatDuration(s.stale.recurrenceSeconds)}</td>
                <td>{s.lastSeenAt ? ago(Date.parse(s.lastSeenAt)) : 'never'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Where the fleet really stands: compliance from the scan, discrepancies, stale computers. */
export function Reports({ api }: { api: Api }) {
  // The overview's alerts link to a section (`/reports#stale-h`).
  useEffect(() => {
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, []);
  return (
    <>
      <div className="heading">
        <h1>Reports</h1>
      </div>
      <ComplianceSection api={api} />
      <DiscrepanciesSection api={api} />
      <StaleSection api={api} />
    </>
  );
}
