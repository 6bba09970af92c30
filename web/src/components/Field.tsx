import type { ReactNode } from 'react';

/** A labelled input with the server's complaint about it, if any, tied by aria-describedby. */
export function Field(props: {
  id: string;
  label: string;
  problem?: string | undefined;
  hint?: string;
  children: (aria: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
}) {
  const describedBy = [
    props.problem ? `${props.id}-problem` : '',
    props.hint ? `${props.id}-hint` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${props.problem ? ' invalid' : ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        'aria-invalid': Boolean(props.problem),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {props.hint && (
        <span id={`${props.id}-hint`} className="muted small">
          {props.hint}
        </span>
      )}
      {props.problem && (
        <span id={`${props.id}-problem`} className="problem" role="alert">
          {props.problem}
        </span>
      )}
    </div>
  );
}
