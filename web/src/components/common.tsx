import { useEffect, useRef, useState, type ReactNode } from 'react';
import { describeError, fieldProblems } from '../api/client.js';
import { ago } from '../format.js';
import { useAction } from '../hooks.js';

/** An error in words, announced to screen readers. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  const fields = fieldProblems(error);
  return (
    <div role="alert" className="error">
      <strong>{title ?? 'Something went wrong'}:</strong> {describeError(error)}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={`${f.field}:${f.message}`}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** How old a figure is: re-rendered every few seconds. */
export function Freshness({ at, live }: { at: number | null; live?: boolean }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <span className="muted freshness">
      {live ? 'live · ' : ''}read {ago(at)}
    </span>
  );
}

const STATE_TONE: Record<string, string> = {
  active: 'info',
  completed: 'good',
  halted: 'bad',
  revoked: 'muted',
  'rolling-back': 'warn',
  'rolled-back': 'muted',
  installed: 'good',
  failed: 'bad',
  online: 'good',
  offline: 'warn',
  'never-seen': 'muted',
  sent: 'good',
  delivered: 'good',
  queued: 'info',
  cancelled: 'muted',
};

export function Badge({ value }: { value: string }) {
  return <span className={`badge tone-${STATE_TONE[value] ?? 'plain'}`}>{value}</span>;
}

/**
 * A confirmation in a modal <dialog>: says what will happen before it happens.
 * The browser traps focus and closes it on Escape.
 */
export function Confirm(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  withReason?: boolean;
  onConfirm: (reason: string | undefined) => Promise<void>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  const confirm = () =>
    run(async () => {
      await props.onConfirm(reason.trim() === '' ? undefined : reason.trim());
      props.onClose();
    });
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onClose} className="confirm">
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      {props.withReason && (
        <label>
          Reason (recorded in the timeline)
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
        </label>
      )}
      <ErrorNote error={error} title="Not done" />
      <div className="row">
        <button type="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
