import { useState, type FormEvent } from 'react';
import type { SortOrder } from '../../../src/contracts/paging.js';
import { useCursors } from './Pager.js';

/** Rows per page of every list the server pages. */
export const PAGE = 50;

type Filters = Record<string, string>;

/** The filters set, trimmed, without the empty ones: what the server is asked with. */
type Sent<F extends Filters> = { [K in keyof F]?: Exclude<F[K], ''> };

/**
 * A list filtered, sorted and paged by the server: the filters being typed (`draft`),
 * those applied (by the form's submit), the order, and the cursors of the pages seen.
 * `query` is the request for the page shown; a new filter or order starts at page 1.
 */
export function useServerList<F extends Filters, S extends string>(
  empty: F,
  initial: { sort: S; order: SortOrder },
) {
  const [draft, setDraft] = useState<F>(empty);
  const [filters, setFilters] = useState<F>(empty);
  const [order, setOrder] = useState(initial);
  const cursors = useCursors(JSON.stringify([filters, order]));
  const set = Object.fromEntries(
    Object.entries(filters)
      .map(([k, v]) => [k, v.trim()])
      .filter(([, v]) => v !== ''),
  ) as Sent<F>;
  const query = {
    limit: PAGE,
    ...order,
    ...(cursors.cursor !== undefined && { cursor: cursors.cursor }),
    ...set,
  };
  return {
    draft,
    setDraft,
    order,
    setOrder,
    cursors,
    query,
    /** Whether any filter is applied (an empty page then means "no match"). */
    filtered: Object.keys(set).length > 0,
    /** The position of the page's first row in the whole list, from 1. */
    first: (cursors.page - 1) * PAGE + 1,
    apply: (e: FormEvent) => {
      e.preventDefault();
      setFilters(draft);
    },
  };
}

/** A text filter of the form: applied with the form's submit. */
export function TextFilter<F extends Filters>(props: {
  list: { draft: F; setDraft: (f: F) => void };
  field: keyof F & string;
  label: string;
  hint: string;
  search?: boolean;
}) {
  const { draft, setDraft } = props.list;
  return (
    <label className="inline">
      {props.label}{' '}
      <input
        type={props.search ? 'search' : 'text'}
        value={draft[props.field]}
        placeholder={props.hint}
        onChange={(e) => setDraft({ ...draft, [props.field]: e.target.value })}
      />
    </label>
  );
}

/** A filter of fixed values, `any` first. */
export function ChoiceFilter<F extends Filters>(props: {
  list: { draft: F; setDraft: (f: F) => void };
  field: keyof F & string;
  label: string;
  choices: readonly string[];
}) {
  const { draft, setDraft } = props.list;
  return (
    <label className="inline">
      {props.label}{' '}
      <select
        value={draft[props.field]}
        onChange={(e) => setDraft({ ...draft, [props.field]: e.target.value })}
      >
        <option value="">any</option>
        {props.choices.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    </label>
  );
}

/** "Sort by" and "Order": a change reloads the list from its first page. */
export function SortControls<S extends string>(props: {
  list: {
    order: { sort: S; order: SortOrder };
    setOrder: (o: { sort: S; order: SortOrder }) => void;
  };
  sorts: readonly { value: S; label: string }[];
}) {
  const { order, setOrder } = props.list;
  return (
    <>
      <label className="inline">
        Sort by{' '}
        <select
          value={order.sort}
          onChange={(e) => setOrder({ ...order, sort: e.target.value as S })}
        >
          {props.sorts.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        Order{' '}
        <select
          value={order.order}
          onChange={(e) => setOrder({ ...order, order: e.target.value as SortOrder })}
        >
          <option value="asc">ascending</option>
          <option value="desc">descending</option>
        </select>
      </label>
    </>
  );
}

/** "Updates 51–100 of 240 matching": where the page is in the whole list. */
export function rangeCaption(
  what: string,
  list: { first: number; filtered: boolean },
  shown: number,
  total: number | undefined,
): string {
  const { first, filtered } = list;
  return `${what} ${first.toLocaleString()}–${(first + shown - 1).toLocaleString()} of ${(total ?? 0).toLocaleString()}${filtered ? ' matching' : ''}`;
}
