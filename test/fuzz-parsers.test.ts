import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateManifest } from '../src/contracts/manifest.js';
import { fieldIssues } from '../src/contracts/parse.js';
import { maintenanceWindowSchema, validatePlan } from '../src/contracts/plan.js';
import { canonicalJson } from '../src/domain/canonical-json.js';
import { matchesGroupQuery, parseGroupQuery } from '../src/domain/group-query.js';
import { inventoryFactory, manifestFactory } from './factories/update.factory.js';
import { fuzzRuns, fuzzSeed, jsonText, mutated, nastyNumber, nastyString } from './support/fuzz.js';

const seed = fuzzSeed('test/fuzz-parsers.test.ts');
const options = (runs: number) => ({ seed, numRuns: fuzzRuns(runs) });

/** As a request body arrives: JSON text parsed, deep nesting and all. */
const asReceived = (value: unknown): unknown =>
  value === undefined ? undefined : (JSON.parse(jsonText(value)) as unknown);

const plan = {
  phases: [
    { name: 'canary', percent: 5, gate: { maxFailurePercent: 10 } },
    { name: 'wave', percent: 50, groups: ['pilots'], start: { afterSeconds: 3600 } },
    { name: 'rest', percent: 100, start: { at: '2026-12-10T00:00:00Z' } },
  ],
  gate: { minSuccessPercent: 90, manual: false },
  soakSeconds: 3600,
  availableAt: '2026-12-03T00:00:00Z',
  deadline: '2026-12-31T00:00:00Z',
  emergency: { reason: 'exploited in the wild' },
  recurrenceByGroup: { pilots: 3600 },
  windows: { overrideOnDeadline: false },
};

/** Queries from the language's own words, shuffled, with nasty strings between. */
const queryWords = [
  ...['hostname', 'os', 'osVersion', 'arch', 'hardwareId', 'freeDiskMB', 'agentVersion'],
  ...['site', 'ip', 'and', 'or', 'not', 'in', '(', ')', ',', '=', '!=', '<', '<=', '>', '>='],
  ...['~', '"web-*"', '"*-*-*-*-prod"', '"?"', '"linux"', '1024', '-1', '1e400', '"', '"\\"'],
];
const groupQuery = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...queryWords) }, nastyString), {
    maxLength: 30,
  })
  .map((words) => words.join(' '));

const inventory = fc.record({
  hostname: nastyString,
  os: nastyString,
  osVersion: nastyString,
  arch: nastyString,
  hardwareId: nastyString,
  freeDiskMB: nastyNumber,
  agentVersion: nastyString,
  site: fc.option(nastyString),
  ipAddresses: fc.array(nastyString, { maxLength: 3 }),
});

describe('the parsers under fuzzed input', () => {
  it('a manifest parses or names its bad fields, and what parses has a canonical form', () => {
    fc.assert(
      fc.property(mutated(manifestFactory()), (input) => {
        const result = updateManifest.safeParse(asReceived(input));
        if (result.success) {
          expect(typeof canonicalJson(result.data)).toBe('string');
        } else {
          const issues = fieldIssues(result.error, 'manifest');
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.field).toMatch(/^manifest/);
        }
      }),
      options(3000),
    );
  });

  it('a plan is valid or comes back with field-named issues, never a throw', () => {
    fc.assert(
      fc.property(mutated(plan), (input) => {
        const result = validatePlan(asReceived(input));
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          for (const issue of result.issues) expect(issue.field).not.toBe('');
        }
      }),
      options(3000),
    );
  });

  it('a maintenance window parses or names its bad field', () => {
    const window = { cron: '0 22 * * 1-5', durationMinutes: 120, timezone: 'Asia/Tokyo' };
    fc.assert(
      fc.property(mutated(window), (input) => {
        const result = maintenanceWindowSchema.safeParse(asReceived(input));
        if (!result.success) expect(fieldIssues(result.error).length).toBeGreaterThan(0);
      }),
      options(1000),
    );
  });

  it('a group query parses or says why, and what parses matches any inventory', () => {
    fc.assert(
      fc.property(groupQuery, inventory, (text, inv) => {
        const result = parseGroupQuery(text);
        if (result.ok) expect(typeof matchesGroupQuery(result.query, inv)).toBe('boolean');
        else expect(result.error).not.toBe('');
      }),
      options(3000),
    );
    const real = parseGroupQuery('hostname ~ "*-*-*-*-prod" and not site in ("a", "b")');
    expect(real.ok && matchesGroupQuery(real.query, inventoryFactory())).toBe(false);
  });
});
