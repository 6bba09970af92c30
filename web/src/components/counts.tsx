import type { PhaseView } from '../../../src/contracts/api.js';

type Counts = PhaseView['counts'];

/** The states worth a column: those some row has. */
export function statesIn(rows: Counts[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (v > 0) seen.add(k);
  return [...seen];
}

/** done = installed or not applicable; failed; the rest still to go. */
export function progress(counts: Counts, size: number) {
  const done = (counts.installed ?? 0) + (counts['not-applicable'] ?? 0);
  const failed = counts.failed ?? 0;
  return { done, failed, remaining: Math.max(0, size - done - failed) };
}

/** Counts per state per phase, as a table a screen reader can read row by row. */
export function PhaseTable({ phases }: { phases: PhaseView[] }) {
  const states = statesIn(phases.map((p) => p.counts));
  return (
    <table>
      <caption>Computers per state in each phase</caption>
      <thead>
        <tr>
          <th scope="col">Phase</th>
          <th scope="col">Opened</th>
          <th scope="col">Computers</th>
          {states.map((s) => (
            <th scope="col" key={s}>
              {s}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {phases.map((p) => (
          <tr key={p.index} data-phase={p.name}>
            <th scope="row">
              {p.name}
              {p.percent !== null ? ` (${p.percent}%)` : ''}
            </th>
            <td>{p.openedAt ? new Date(p.openedAt).toLocaleString() : 'not open'}</td>
            <td>{p.size}</td>
            {states.map((s) => (
              <td key={s} data-state={s}>
                {p.counts[s as keyof Counts] ?? 0}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
