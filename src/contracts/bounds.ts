/**
 * Bounds on free-form JSON an input may carry (a manifest's unknown fields, a plan before
 * its schema): deep nesting would overflow the stack of every recursive walk after it
 * (canonical JSON, zod, JSON.stringify), a huge tree would stall the event loop. The walk
 * here keeps its own stack, so it is safe on any input JSON.parse accepts.
 */
export type JsonBounds = { maxDepth: number; maxValues: number };

export const inputBounds: JsonBounds = { maxDepth: 32, maxValues: 50_000 };

export type BoundsIssue = { path: (string | number)[]; message: string };

/** Where `value` first exceeds the bounds: the path of its top-level field, if any. */
export function boundsIssue(value: unknown, bounds: JsonBounds = inputBounds): BoundsIssue | null {
  const stack: { value: unknown; depth: number; top: (string | number)[] }[] = [
    { value, depth: 0, top: [] },
  ];
  let values = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    values += 1;
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= bounds.maxDepth) {
      return { path: item.top, message: `nests deeper than ${bounds.maxDepth} levels` };
    }
    const entries: [string | number, unknown][] = Array.isArray(item.value)
      ? item.value.map((v, i) => [i, v])
      : Object.entries(item.value);
    if (values + stack.length + entries.length > bounds.maxValues) {
      return { path: item.top, message: `holds more than ${bounds.maxValues} values` };
    }
    for (const [key, child] of entries) {
      stack.push({ value: child, depth: item.depth + 1, top: item.depth === 0 ? [key] : item.top });
    }
  }
  return null;
}
