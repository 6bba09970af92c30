import { z } from 'zod';
import type { FieldIssue } from '../domain/errors.js';

/**
 * What both engines can store. PostgreSQL refuses a NUL byte in `text` (SQLite keeps it,
 * so the two would disagree), and a JS number is exact only up to 2^53 - 1: every integer
 * column is 64-bit, and an integer past that bound would be stored as another number.
 */

/** Stands in for a NUL byte in evidence kept as text: visible, and one character long. */
export const nulMark = '\u2400';

/** Command output is evidence: a NUL (UTF-16 output read as UTF-8) is marked, not refused. */
export function markNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', nulMark) : text;
}

/** A string kept as evidence (an install's output): NUL bytes replaced by `nulMark`. */
export const evidenceText = (maxLength: number) => z.string().max(maxLength).overwrite(markNul);

/**
 * Every schema is far shallower; what is deeper (free-form JSON) is refused by its own
 * bounds check (contracts/bounds.ts) before it is stored, so the walk need not go there.
 */
const maxDepth = 64;
/** A body full of bad strings names the first few, not a million. */
const maxIssues = 20;
const nulMessage = 'must not contain a NUL byte';
const integerMessage = `must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Every place in a parsed input that no column could hold as given: a string (or an
 * object key) with a NUL byte, an integer beyond ±(2^53 - 1). Each issue names its field
 * (`reports.0.message`). The walk keeps its own stack and stops at `maxDepth`; it looks
 * only into plain objects and arrays (a streamed body is not JSON).
 */
export function unstorableIssues(value: unknown, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { value: unknown; path: string; depth: number; nulKey?: true }[] = [
    { value, path: prefix, depth: 0 },
  ];
  while (stack.length > 0 && issues.length < maxIssues) {
    const item = stack.pop();
    if (item === undefined) break;
    const { value: v, path } = item;
    const field = path || '(body)';
    if (item.nulKey) {
      issues.push({ field, message: `${nulMessage} in its name` });
    } else if (typeof v === 'string') {
      if (v.includes('\u0000')) issues.push({ field, message: nulMessage });
    } else if (typeof v === 'number') {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
        issues.push({ field, message: integerMessage });
      }
    } else if (typeof v === 'object' && v !== null && isPlain(v) && item.depth < maxDepth) {
      const entries = Object.entries(v);
      // Pushed in reverse, so issues come out in the input's order.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const childPath = path === '' ? key : `${path}.${key}`;
        stack.push({
          value: child,
          path: childPath,
          depth: item.depth + 1,
          ...(key.includes('\u0000') ? { nulKey: true as const } : {}),
        });
      }
    }
  }
  return issues;
}
