import { describe, expect, it } from 'vitest';
import { manifestFactory } from '../../test/factories/update.factory.js';
import { boundsIssue, inputBounds } from './bounds.js';
import { updateManifest } from './manifest.js';
import { validatePlan } from './plan.js';
import { fieldIssues } from './parse.js';

/** `{ x: { x: … 'leaf' } }`, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { x: value };
  return value;
}

describe('input bounds', () => {
  it('name the top-level field that nests too deep, however deep it goes', () => {
    expect(boundsIssue({ id: 'a', extra: nested(5000) })).toEqual({
      path: ['extra'],
      message: `nests deeper than ${inputBounds.maxDepth} levels`,
    });
    expect(boundsIssue(nested(1_000_000))?.message).toContain('nests deeper');
    expect(boundsIssue({ extra: nested(inputBounds.maxDepth - 1) })).toBeNull();
  });

  it('name the field that holds too many values', () => {
    const many = Array.from({ length: inputBounds.maxValues + 1 }, (_, i) => i);
    expect(boundsIssue({ files: [], extra: many })).toEqual({
      path: ['extra'],
      message: `holds more than ${inputBounds.maxValues} values`,
    });
    expect(boundsIssue({ extra: many.slice(0, 1000) })).toBeNull();
  });

  it('refuse a manifest whose unknown field nests 5,000 deep, naming the field', () => {
    const result = updateManifest.safeParse({ ...manifestFactory(), extra: nested(5000) });
    expect(result.success).toBe(false);
    expect(result.error && fieldIssues(result.error, 'manifest')).toEqual([
      { field: 'manifest.extra', message: `nests deeper than ${inputBounds.maxDepth} levels` },
    ]);
    expect(updateManifest.safeParse({ ...manifestFactory(), extra: nested(3) }).success).toBe(true);
  });

  it('refuse a plan that nests too deep or lists too much, naming the field', () => {
    expect(validatePlan({ phases: [{ name: 'all', percent: 100 }], extra: nested(5000) })).toEqual({
      ok: false,
      issues: [{ field: 'extra', message: `nests deeper than ${inputBounds.maxDepth} levels` }],
    });
    const phases = Array.from({ length: 101 }, (_, i) => ({
      name: `p${i}`,
      percent: (i + 1) / 1.01,
    }));
    expect(validatePlan({ phases })).toEqual({
      ok: false,
      issues: [{ field: 'phases', message: 'a plan has at most 100 phases' }],
    });
    const groups = Array.from({ length: 101 }, (_, i) => `g${i}`);
    const wide = validatePlan({ phases: [{ name: 'all', groups }] });
    expect(wide.ok ? [] : wide.issues.map((i) => i.field)).toEqual(['phases.0.groups']);
    const recurrenceByGroup = Object.fromEntries(groups.map((g) => [g, 60]));
    const byGroup = validatePlan({ phases: [{ name: 'all', percent: 100 }], recurrenceByGroup });
    expect(byGroup).toEqual({
      ok: false,
      issues: [{ field: 'recurrenceByGroup', message: 'at most 100 groups' }],
    });
  });
});
