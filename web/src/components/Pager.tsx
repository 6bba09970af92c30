import { useState } from 'react';

/**
 * Keyset paging, as the server pages: the cursors of the pages seen so far, to go back
 * (the last is this page's). Back to the first page whenever `key` (the filters and
 * sort) changes, since a cursor is only valid for the order it was made in.
 */
export function useCursors(key: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key,
    cursors: [undefined],
  });
  const cursors = state.key === key ? state.cursors : [undefined];
  return {
    cursor: cursors[cursors.length - 1],
    /** 1 for the first page. */
    page: cursors.length,
    forward: (next: string) => setState({ key, cursors: [...cursors, next] }),
    back: () => setState({ key, cursors: cursors.slice(0, -1) }),
  };
}

export type Cursors = ReturnType<typeof useCursors>;

/** The buttons to the page before and after, each only when there is one. */
export function Pager(props: {
  cursors: Cursors;
  nextCursor: string | null | undefined;
  labels?: [back: string, forward: string];
}) {
  const [back, forward] = props.labels ?? ['Previous page', 'Next page'];
  const next = props.nextCursor;
  if (props.cursors.page === 1 && !next) return null;
  return (
    <div className="row">
      {props.cursors.page > 1 && (
        <button type="button" onClick={props.cursors.back}>
          {back}
        </button>
      )}
      {next && (
        <button type="button" onClick={() => props.cursors.forward(next)}>
          {forward}
        </button>
      )}
    </div>
  );
}
