import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { BaselineView } from '../../../src/contracts/baseline.js';
import { ApiError, fieldProblems, type Api } from '../api/client.js';
import { ErrorNote } from '../components/common.js';
import { Field } from '../components/Field.js';
import { useAction } from '../hooks.js';

/** Names or ids typed separated by commas, spaces or lines. */
const listOf = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);

const fields = ['name', 'description', 'groups', 'updates'] as const;
type FormField = (typeof fields)[number];

/**
 * The server's complaint about each field of the form: a 400 names the field
 * (`updates.1`: the updates), a 404 the group or update it did not find, a 409 the name
 * that is taken. What names no field is left for the form's error note.
 */
export function baselineProblems(error: unknown): Partial<Record<FormField, string>> {
  const out: Partial<Record<FormField, string>> = {};
  for (const p of fieldProblems(error)) {
    const field = fields.find((f) => p.field === f || p.field.startsWith(`${f}.`));
    if (field && out[field] === undefined) out[field] = p.message;
  }
  if (error instanceof ApiError) {
    const details = error.body.details as { what?: unknown } | undefined;
    if (error.status === 404 && details?.what === 'group') out.groups = error.body.message;
    if (error.status === 404 && details?.what === 'update') out.updates = error.body.message;
    if (error.status === 409) out.name = error.body.message;
  }
  return out;
}

/**
 * Creates a baseline, or changes one (`baseline` given): its name, description, groups
 * and updates, the whole of what a baseline holds.
 */
export function BaselineForm(props: {
  api: Api;
  baseline?: BaselineView;
  onSaved: (saved: BaselineView, done: string) => void;
  onCancel?: () => void;
}) {
  const { api, baseline } = props;
  const [name, setName] = useState(baseline?.name ?? '');
  const [description, setDescription] = useState(baseline?.description ?? '');
  const [groups, setGroups] = useState(baseline?.groups.join(', ') ?? '');
  const [updates, setUpdates] = useState(baseline?.updates.join('\n') ?? '');
  const { busy, error, run } = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (baseline) first.current?.focus();
  }, [baseline]);
  const problems = baselineProblems(error);
  const named = Object.keys(problems).length > 0;
  const prefix = baseline ? 'edit-baseline' : 'new-baseline';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = description.trim();
    return run(async () => {
      if (baseline) {
        const saved = await api.setBaseline(baseline.name, {
          name: name.trim(),
          description: text === '' ? null : text,
          groups: listOf(groups),
          updates: listOf(updates),
        });
        props.onSaved(saved, `Saved baseline ${saved.name}.`);
      } else {
        const saved = await api.createBaseline({
          name: name.trim(),
          groups: listOf(groups),
          updates: listOf(updates),
          ...(text !== '' && { description: text }),
        });
        setName('');
        setDescription('');
        setGroups('');
        setUpdates('');
        props.onSaved(saved, `Created baseline ${saved.name}.`);
      }
    });
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Field
        id={`${prefix}-name`}
        label="Name"
        problem={problems.name}
        hint="Letters, digits, “.”, “_” or “-”, starting with a letter or digit"
      >
        {(a) => (
          <input
            {...a}
            ref={first}
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
          />
        )}
      </Field>
      <Field
        id={`${prefix}-description`}
        label="Description (optional)"
        problem={problems.description}
      >
        {(a) => (
          <input {...a} value={description} onChange={(e) => setDescription(e.target.value)} />
        )}
      </Field>
      <Field
        id={`${prefix}-groups`}
        label="Groups"
        problem={problems.groups}
        hint="Every computer of these groups must have the updates; group names separated by commas"
      >
        {(a) => <input {...a} value={groups} onChange={(e) => setGroups(e.target.value)} />}
      </Field>
      <Field
        id={`${prefix}-updates`}
        label="Updates"
        problem={problems.updates}
        hint="Update ids, one a line or separated by commas; may be empty for now"
      >
        {(a) => (
          <textarea
            {...a}
            rows={4}
            className="code"
            value={updates}
            onChange={(e) => setUpdates(e.target.value)}
          />
        )}
      </Field>
      <ErrorNote error={named ? undefined : error} title={baseline ? 'Not saved' : 'Not created'} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {baseline ? 'Save baseline' : 'Create baseline'}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
