/**
 * Globs of the group query (`*` any run, `?` any one character), case-insensitive, in
 * time linear in the text for a given glob: never a backtracking RegExp, which a crafted
 * hostname can make take seconds. The text between stars is found leftmost, once each:
 * a leftmost match leaves the most room for what follows, so no choice is ever revisited.
 */

/** Counts character comparisons, so tests can check the work done without timing it. */
export type GlobMeter = { steps: number };

export function globMatches(glob: string, text: string, meter?: GlobMeter): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  const parts = g.split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return t.length === g.length && partAt(t, 0, g, meter);
  const last = parts[parts.length - 1] ?? '';
  const end = t.length - last.length;
  if (first.length > end) return false;
  if (!partAt(t, 0, first, meter) || !partAt(t, end, last, meter)) return false;
  let from = first.length;
  for (const part of parts.slice(1, -1)) {
    const at = findPart(t, part, from, end, meter);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

/** The first index ≥ from where `part` fits wholly before `end`, or -1. */
function findPart(t: string, part: string, from: number, end: number, meter?: GlobMeter): number {
  for (let i = from; i + part.length <= end; i++) if (partAt(t, i, part, meter)) return i;
  return -1;
}

/** Whether `part` (which may hold `?`) matches `t` at index `at`. */
function partAt(t: string, at: number, part: string, meter?: GlobMeter): boolean {
  for (let j = 0; j < part.length; j++) {
    if (meter) meter.steps += 1;
    const c = part.charAt(j);
    if (c !== '?' && c !== t.charAt(at + j)) return false;
  }
  return true;
}
