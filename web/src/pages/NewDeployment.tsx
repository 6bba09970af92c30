import { useState } from 'react';
import type { DryRunView } from '../../../src/contracts/api.js';
import { fieldProblems, type Api } from '../api/client.js';
import { listGroups, listUpdates } from '../api/lists.js';
import { Empty, ErrorNote, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { navigate } from '../router.js';
import {
  emptyDraft,
  problemsByField,
  requestOf,
  stepOf,
  steps,
  type Draft,
} from './wizard-plan.js';

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/** updates → groups → phases and gates → schedule and policy → preview → approve. */
export function NewDeployment({ api }: { api: Api }) {
  const updates = useLoad(() => listUpdates(api), 'updates');
  const groups = useLoad(() => listGroups(api), 'groups');
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [error, setError] = useState<unknown>(undefined);
  const [preview, setPreview] = useState<DryRunView | null>(null);
  const [busy, setBusy] = useState(false);
  const problems = problemsByField(fieldProblems(error));
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setPreview(null);
  };
  const setPhase = (i: number, patch: Partial<Draft['phases'][number]>) =>
    set({ phases: draft.phases.map((p, j) => (j === i ? { ...p, ...patch } : p)) });

  const ask = async (what: 'preview' | 'approve') => {
    setBusy(true);
    setError(undefined);
    try {
      if (what === 'preview') {
        setPreview(await api.dryRunDeployment(requestOf(draft)));
        setStep(4);
      } else {
        const created = await api.createDeployment(requestOf(draft));
        navigate(`/deployments/${encodeURIComponent(created.id)}`);
      }
    } catch (e) {
      setError(e);
      const first = fieldProblems(e)[0];
      if (first) setStep(stepOf(first.field));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>New deployment</h1>
      <ol className="steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s}>
            <button
              type="button"
              aria-current={i === step ? 'step' : undefined}
              onClick={() => setStep(i)}
            >
              {i + 1}. {s}
            </button>
          </li>
        ))}
      </ol>
      {error !== undefined && (
        <ErrorNote error={error} title="The server did not accept this plan" />
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (step < 3) setStep(step + 1);
          else void ask('preview');
        }}
      >
        {step === 0 && (
          <fieldset>
            <legend>Which updates does it approve?</legend>
            {updates.loading && <Loading what="the catalog" />}
            <ErrorNote error={updates.error} />
            {updates.data?.items.length === 0 && (
              <Empty>The catalog is empty: import an update with the CLI first.</Empty>
            )}
            {updates.data?.items.map((u) => (
              <label key={u.id} className="check">
                <input
                  type="checkbox"
                  checked={draft.updates.includes(u.id)}
                  onChange={() => set({ updates: toggle(draft.updates, u.id) })}
                />
                {u.id} — {u.title} <span className="muted">({u.severity})</span>
              </label>
            ))}
            {problems.get('updates') && (
              <p className="problem" role="alert">
                {problems.get('updates')}
              </p>
            )}
          </fieldset>
        )}
        {step === 1 && (
          <fieldset>
            <legend>Which groups does it target?</legend>
            {groups.data?.items.length === 0 && (
              <Empty>No groups yet: create one on the Groups page.</Empty>
            )}
            {groups.data?.items.map((g) => (
              <label key={g.id} className="check">
                <input
                  type="checkbox"
                  checked={draft.groups.includes(g.name)}
                  onChange={() => set({ groups: toggle(draft.groups, g.name) })}
                />
                {g.name}{' '}
                <span className="muted">
                  ({g.memberCount} computers, {g.kind}
                  {g.windows.length > 0 ? `, ${g.windows.length} maintenance window(s)` : ''})
                </span>
              </label>
            ))}
            {(problems.get('group') ?? problems.get('groups')) && (
              <p className="problem" role="alert">
                {problems.get('group') ?? problems.get('groups')}
              </p>
            )}
          </fieldset>
        )}
        {step === 2 && (
          <fieldset>
            <legend>Phases and gates</legend>
            {draft.phases.map((p, i) => (
              <div className="row phase" key={i}>
                <Field
                  id={`phase-${i}-name`}
                  label={`Phase ${i + 1} name`}
                  problem={problems.get(`phases.${i}.name`)}
                >
                  {(a) => (
                    <input
                      {...a}
                      value={p.name}
                      onChange={(e) => setPhase(i, { name: e.target.value })}
                    />
                  )}
                </Field>
                <Field
                  id={`phase-${i}-percent`}
                  label="Reaches (cumulative %)"
                  problem={problems.get(`phases.${i}.percent`)}
                >
                  {(a) => (
                    <input
                      {...a}
                      inputMode="decimal"
                      value={p.percent}
                      onChange={(e) => setPhase(i, { percent: e.target.value })}
                    />
                  )}
                </Field>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={p.manual}
                    onChange={(e) => setPhase(i, { manual: e.target.checked })}
                  />
                  Manual gate (wait for promote)
                </label>
                <button
                  type="button"
                  aria-label={`Remove phase ${i + 1}`}
                  disabled={draft.phases.length === 1}
                  onClick={() => set({ phases: draft.phases.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </div>
            ))}
            {problems.get('phases') && (
              <p className="problem" role="alert">
                {problems.get('phases')}
              </p>
            )}
            <button
              type="button"
              onClick={() =>
                set({
                  phases: [
                    ...draft.phases,
                    { name: `phase${draft.phases.length + 1}`, percent: '100', manual: false },
                  ],
                })
              }
            >
              Add phase
            </button>
            <Field
              id="soak"
              label="Soak between phases (minutes)"
              problem={problems.get('soakSeconds')}
            >
              {(a) => (
                <input
                  {...a}
                  inputMode="numeric"
                  value={draft.soakMinutes}
                  onChange={(e) => set({ soakMinutes: e.target.value })}
                />
              )}
            </Field>
            <Field
              id="min-success"
              label="Gate: at least this % succeeded"
              problem={problems.get('gate.minSuccessPercent')}
            >
              {(a) => (
                <input
                  {...a}
                  inputMode="decimal"
                  value={draft.minSuccessPercent}
                  onChange={(e) => set({ minSuccessPercent: e.target.value })}
                />
              )}
            </Field>
            <Field
              id="max-failure"
              label="Halt above this % failed"
              problem={problems.get('gate.maxFailurePercent')}
            >
              {(a) => (
                <input
                  {...a}
                  inputMode="decimal"
                  value={draft.maxFailurePercent}
                  onChange={(e) => set({ maxFailurePercent: e.target.value })}
                />
              )}
            </Field>
          </fieldset>
        )}
        {step === 3 && (
          <fieldset>
            <legend>Windows, deadline, policy, emergency</legend>
            <p className="muted">
              Maintenance windows are set per group; a deadline may override them.
            </p>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.overrideOnDeadline}
                onChange={(e) => set({ overrideOnDeadline: e.target.checked })}
              />
              Install outside maintenance windows once the deadline has passed
            </label>
            <Field id="deadline" label="Deadline (optional)" problem={problems.get('deadline')}>
              {(a) => (
                <input
                  {...a}
                  type="datetime-local"
                  value={draft.deadline}
                  onChange={(e) => set({ deadline: e.target.value })}
                />
              )}
            </Field>
            <Field id="policy" label="Client policy" problem={problems.get('policy')}>
              {(a) => (
                <select
                  {...a}
                  value={draft.policy}
                  onChange={(e) => set({ policy: e.target.value as Draft['policy'] })}
                >
                  <option value="">From the groups (else scheduled)</option>
                  <option value="scheduled">
                    scheduled: download, install at the scheduled time
                  </option>
                  <option value="auto-download">auto-download: download, ask before install</option>
                  <option value="notify">notify: ask before download and install</option>
                </select>
              )}
            </Field>
            <label className="check">
              <input
                type="checkbox"
                checked={draft.emergency}
                onChange={(e) => set({ emergency: e.target.checked })}
              />
              Emergency (skips the soak, ignores windows)
            </label>
            {draft.emergency && (
              <Field
                id="emergency-reason"
                label="Why is it an emergency?"
                problem={problems.get('emergency.reason') ?? problems.get('emergency')}
              >
                {(a) => (
                  <input
                    {...a}
                    value={draft.emergencyReason}
                    onChange={(e) => set({ emergencyReason: e.target.value })}
                  />
                )}
              </Field>
            )}
          </fieldset>
        )}
        {step === 4 && (
          <section aria-labelledby="preview-h">
            <h2 id="preview-h">Plan preview</h2>
            {!preview && (
              <Empty>
                Press “Preview the plan” to see which computers each phase reaches, and when.
              </Empty>
            )}
            {preview && <Preview view={preview} />}
          </section>
        )}
        <div className="row wizard-nav">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              Back
            </button>
          )}
          {step < 3 && (
            <button type="submit" className="primary">
              Next
            </button>
          )}
          {step >= 3 && (
            <button
              type="button"
              disabled={busy}
              onClick={() => void ask('preview')}
              className={preview ? '' : 'primary'}
            >
              Preview the plan
            </button>
          )}
          {step === 4 && preview && (
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void ask('approve')}
            >
              Approve and start
            </button>
          )}
        </div>
      </form>
    </>
  );
}

function Preview({ view }: { view: DryRunView }) {
  return (
    <>
      <table>
        <caption>Each phase: how many computers, which, and when it may open</caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Computers</th>
            <th scope="col">Opens</th>
            <th scope="col">Why then</th>
            <th scope="col">Gate</th>
            <th scope="col">Which</th>
          </tr>
        </thead>
        <tbody>
          {view.phases.map((p) => (
            <tr key={p.name} data-phase={p.name}>
              <th scope="row">{p.name}</th>
              <td data-testid={`preview-count-${p.name}`}>{p.computers.length}</td>
              <td>{when(p.earliestOpenAt)}</td>
              <td>{p.openWhy}</td>
              <td>{p.gate}</td>
              <td className="small">
                {p.computers
                  .slice(0, 12)
                  .map((c) => c.hostname)
                  .join(', ')}
                {p.computers.length > 12 ? ` and ${p.computers.length - 12} more` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.unreached.length > 0 && (
        <p className="warn">
          {view.unreached.length} computer(s) of the target are reached by no phase:{' '}
          {view.unreached
            .slice(0, 12)
            .map((c) => c.hostname)
            .join(', ')}
        </p>
      )}
    </>
  );
}
