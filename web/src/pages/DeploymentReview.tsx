import { useState } from 'react';
import type { ReviewView } from '../../../src/contracts/review.js';
import { formatDuration } from '../../../src/domain/rollout/duration.js';
import { fieldProblems, type Api } from '../api/client.js';
import { Empty, ErrorNote, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';

const after = (s: number | null): string => (s === null ? 'not reached' : formatDuration(s));

/** The review as an HTML page in a new tab: fetched with the token, shown from a blob. */
async function openHtml(api: Api, id: string): Promise<void> {
  const html = await api.deploymentReviewHtml(id);
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  window.open(url, '_blank', 'noopener');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function SlaForm({ api, id, onSet }: { api: Api; id: string; onSet: () => void }) {
  const [percent, setPercent] = useState('95');
  const [hours, setHours] = useState('48');
  const [error, setError] = useState<unknown>(undefined);
  const problems = fieldProblems(error);
  const problem = (f: string) => problems.find((p) => p.field === f)?.message;
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        api
          .setDeploymentSla(id, { sla: { percent: Number(percent), hours: Number(hours) } })
          .then(onSet, setError);
      }}
    >
      <Field id="sla-percent" label="SLA: percent installed" problem={problem('sla.percent')}>
        {(a) => (
          <input
            {...a}
            inputMode="decimal"
            value={percent}
            onChange={(e) => setPercent(e.target.value)}
          />
        )}
      </Field>
      <Field id="sla-hours" label="within hours" problem={problem('sla.hours')}>
        {(a) => (
          <input
            {...a}
            inputMode="decimal"
            value={hours}
            onChange={(e) => setHours(e.target.value)}
          />
        )}
      </Field>
      <button type="submit">Set SLA</button>
      {problems.length === 0 && <ErrorNote error={error} title="SLA not set" />}
    </form>
  );
}

function Checklist({
  api,
  review,
  onChange,
}: {
  api: Api;
  review: ReviewView;
  onChange: () => void;
}) {
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(undefined);
  const mark = (item: ReviewView['checklist'][number]['item'], done: boolean) => {
    setError(undefined);
    const note = notes[item]?.trim();
    const call = done
      ? api.checkReviewItem(review.deploymentId, item, note ? { note } : {})
      : api.uncheckReviewItem(review.deploymentId, item);
    call.then(onChange, setError);
  };
  return (
    <>
      <table>
        <caption>Follow-up checklist</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Done</th>
            <th scope="col">Note</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {review.checklist.map((c) => (
            <tr key={c.item} data-item={c.item}>
              <td>{c.title}</td>
              <td data-testid={`checklist-${c.item}`}>
                {c.done ? `done by ${c.doneBy ?? '?'}, ${when(c.doneAt)}` : 'not done'}
              </td>
              <td>
                {c.done ? (
                  c.note
                ) : (
                  <input
                    aria-label={`Note for: ${c.title}`}
                    maxLength={2000}
                    value={notes[c.item] ?? ''}
                    onChange={(e) => setNotes((n) => ({ ...n, [c.item]: e.target.value }))}
                  />
                )}
              </td>
              <td>
                <button type="button" onClick={() => mark(c.item, !c.done)}>
                  {c.done ? 'Mark not done' : 'Mark done'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorNote error={error} title="Not changed" />
    </>
  );
}

/** The post-implementation review of a deployment: the key figures, the SLA and the checklist. */
export function DeploymentReview({ api, id, version }: { api: Api; id: string; version: string }) {
  const loaded = useLoad(() => api.getDeploymentReview(id), `${id}:${version}`);
  const [openError, setOpenError] = useState<unknown>(undefined);
  if (loaded.error) return <ErrorNote error={loaded.error} title="Could not load the review" />;
  const r = loaded.data;
  if (!r) return <Loading what="the review" />;
  const f = r.failures;
  return (
    <>
      <p>
        {r.sla === null
          ? 'No SLA set.'
          : `SLA ${r.sla.percent}% installed within ${r.sla.hours} h: ${r.sla.verdict}${
              r.sla.reachedAt === null ? '' : ` (reached after ${after(r.sla.afterSeconds)})`
            }.`}{' '}
        Halts {r.halts}, rollbacks {r.rollbacks}, redeploys {r.redeploys}. Time to installed:{' '}
        {r.installed.map((m) => `${m.percent}% ${after(m.afterSeconds)}`).join(', ')}.
      </p>
      <p>
        {f.total === 0
          ? 'No failures.'
          : `${f.total} failed, by reason: ${f.byReason.map((g) => `${g.reason} ${g.count}`).join(', ')}; then installed ${
              f.resolutions['redeployed-then-installed'] + f.resolutions['retried-then-installed']
            }, rolled back ${f.resolutions['rolled-back']}, still failed ${f.resolutions['still-failed']}.`}{' '}
        Restarts {r.restarts.computers} (estimated {r.restarts.downtimeMinutes} min of downtime).
      </p>
      <div className="row">
        <button type="button" onClick={() => void openHtml(api, id).catch(setOpenError)}>
          Open the full review
        </button>
      </div>
      <ErrorNote error={openError} title="Could not open the review" />
      <SlaForm api={api} id={id} onSet={loaded.reload} />
      {r.checklist.length === 0 ? (
        <Empty>No checklist.</Empty>
      ) : (
        <Checklist api={api} review={r} onChange={loaded.reload} />
      )}
    </>
  );
}
