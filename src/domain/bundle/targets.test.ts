import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { DeploymentPlan } from '../rollout/plan.js';
import { mapTargets, missingFiles, parseGroupMap } from './targets.js';

const plan = {
  phases: [
    { name: 'pilot', groups: ['test-pilot'] },
    { name: 'broad', percent: 100 },
  ],
  recurrenceByGroup: { 'test-all': 3600 },
} as unknown as DeploymentPlan;

describe('a bundle’s targets on the importing server', () => {
  it('parses FROM=TO pairs and refuses anything else, naming mapGroups', () => {
    expect([...parseGroupMap(' a=b , c=d ')]).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseGroupMap(undefined).size).toBe(0);
    for (const bad of ['a', 'a=', '=b', 'a=b=c', 'a=b,a=c']) {
      expect(() => parseGroupMap(bad)).toThrow(ValidationError);
    }
  });

  it('renames the targets and every group the plan names, and lists what is missing', () => {
    const mapped = mapTargets(
      ['test-all', 'test-pilot'],
      plan,
      new Map([['test-pilot', 'pilot']]),
      new Set(['pilot']),
    );
    expect(mapped.groups).toEqual(['test-all', 'pilot']);
    expect(mapped.plan.phases[0]?.groups).toEqual(['pilot']);
    expect(mapped.plan.recurrenceByGroup).toEqual({ 'test-all': 3600 });
    expect(mapped.report).toEqual([
      { name: 'test-all', mappedTo: 'test-all', exists: false },
      { name: 'test-pilot', mappedTo: 'pilot', exists: true },
    ]);
    expect(mapped.missing).toEqual(['test-all']);
  });

  it('refuses a mapping of a group the bundle does not name', () => {
    expect(() => mapTargets(['a'], plan, new Map([['typo', 'b']]), new Set())).toThrow(/typo/);
  });

  it('names every listed file that did not arrive, or arrived with another size', () => {
    const listed = new Map([
      ['aa', 3],
      ['bb', 4],
      ['cc', 5],
    ]);
    expect(
      missingFiles(
        listed,
        new Map([
          ['aa', 3],
          ['bb', 9],
        ]),
      ),
    ).toEqual([
      'content/bb holds 9 bytes, listed as 4',
      'content/cc is listed but not in the bundle',
    ]);
  });
});
