import fc from 'fast-check';

/**
 * The fuzz suite's seed and inputs. Each fuzz file prints its seed; the same seed gives
 * the same cases again: `FUZZ_SEED=1234 npx vitest run test/fuzz-agent-api.test.ts`.
 * `FUZZ_RUNS` multiplies the number of cases (e.g. `FUZZ_RUNS=10` for a long night).
 */
export function fuzzSeed(file: string): number {
  const given = process.env.FUZZ_SEED;
  const seed = given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${given}`);
  console.log(`fuzz seed ${seed}; replay: FUZZ_SEED=${seed} npx vitest run ${file}`);
  return seed;
}

function runsFactor(): number {
  const factor = Number(process.env.FUZZ_RUNS ?? '1');
  return Number.isFinite(factor) && factor > 0 ? factor : 1;
}

export function fuzzRuns(runs: number): number {
  return Math.max(1, Math.round(runs * runsFactor()));
}

/** A test's time limit, grown with `FUZZ_RUNS` (a bound against a hang, not a speed claim). */
export function fuzzTimeout(ms: number): number {
  return Math.round(ms * Math.max(1, runsFactor()));
}

/** Strings that broke servers before: NULs, lone surrogates, paths, globs, huge ones. */
const trickyStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  '..',
  '../../etc/passwd',
  'C:\\Windows',
  '\ud800',
  '\udfff\ud800',
  '\uffff',
  '😀',
  'é',
  '"',
  "'",
  '\\',
  '*-*-*-*-*-*-*-*-prod',
  '(((((((((((',
  'os = "linux"',
  'hostname ~ "*"',
  '__proto__',
  'constructor',
  'null',
  '1e400',
  '-1',
  '2026-13-45T99:99:99Z',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  '* * * * *',
  'x'.repeat(300),
  'y'.repeat(70_000),
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...trickyStrings) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom('\u0000', 'a', '\ud800', '*', '-', '"', '(', ')', ' ', '~', '='),
      maxLength: 60,
    }),
  },
);

/** Integers at every column width's edge, and doubles JSON can carry. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(
    0,
    -1,
    1,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32,
    0xc0000005,
    2 ** 52,
    Number.MAX_SAFE_INTEGER,
    2 ** 53,
    2 ** 63,
    -(2 ** 63),
    8.64e15,
    8.64e15 + 1,
    1e308,
    -1e308,
    0.5,
    1e-300,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/**
 * Nesting deeper than the test's own recursive walks (structuredClone, JSON.stringify)
 * can take travels as a marker string, expanded only in the JSON text: `jsonText`.
 */
const deepMarker = (depth: number) => `@@deep-${depth}@@`;

/** A value as the JSON text a client would send, deep markers expanded. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(
    /"@@deep-(\d+)@@"/g,
    (_, d: string) => `${'['.repeat(Number(d))}"leaf"${']'.repeat(Number(d))}`,
  );
}

/** Any JSON value, of nasty leaves, now and then very deep. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(40, 5000).map(deepMarker),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * `tweak` keeps a leaf's type (a string gets a NUL or another nasty string, a number an
 * edge value), so the rest of the body stays valid and the value reaches the database.
 */
type Mutation = {
  at: number;
  kind: 'set' | 'delete' | 'add' | 'tweak';
  key: string;
  value: unknown;
  text: string;
  number: number;
  nul: boolean;
};

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('set', 'set', 'delete', 'add', 'tweak', 'tweak', 'tweak'),
  key: fc.oneof(fc.constantFrom('extra', '__proto__', 'id'), nastyString),
  value: nastyValue,
  text: nastyString,
  number: nastyNumber,
  nul: fc.boolean(),
});

/** The leaf a tweak puts in place of `value`, or the mutation's own value. */
function tweaked(value: unknown, m: Mutation): unknown {
  if (typeof value === 'string') return m.nul ? `${value}\u0000` : m.text;
  if (typeof value === 'number') return m.number;
  return m.value;
}

type Node = { parent: Record<string, unknown> | unknown[] | null; key: string | number };

/** Every place in a JSON tree where a value sits, the root first. */
function placesOf(root: unknown): { node: Node; value: unknown }[] {
  const places: { node: Node; value: unknown }[] = [
    { node: { parent: null, key: '' }, value: root },
  ];
  for (let i = 0; i < places.length; i++) {
    const value = places[i]?.value;
    if (Array.isArray(value)) {
      value.forEach((v: unknown, key) => places.push({ node: { parent: value, key }, value: v }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        places.push({ node: { parent: value as Record<string, unknown>, key }, value: v });
      }
    }
  }
  return places;
}

/** An own property even for `__proto__`, as JSON.parse would make it. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function apply(root: unknown, mutation: Mutation): unknown {
  // fast-check may hand the same value to several runs: the tree must never share it.
  const m = { ...mutation, value: structuredClone(mutation.value) };
  const places = placesOf(root);
  const place = places[m.at % places.length];
  if (!place) return root;
  const { node, value } = place;
  if (m.kind === 'add' && value !== null && typeof value === 'object') {
    if (Array.isArray(value)) value.push(m.value);
    else put(value as Record<string, unknown>, m.key, m.value);
    return root;
  }
  const next = m.kind === 'tweak' ? tweaked(value, m) : m.value;
  if (node.parent === null) return m.kind === 'delete' ? undefined : next;
  if (Array.isArray(node.parent)) {
    if (m.kind === 'delete') node.parent.splice(Number(node.key), 1);
    else node.parent[Number(node.key)] = next;
  } else if (m.kind === 'delete') {
    delete node.parent[String(node.key)];
  } else {
    put(node.parent, String(node.key), next);
  }
  return root;
}

/** A valid sample with up to three fields tweaked, replaced, removed or added; or none. */
export function mutated(sample: unknown): fc.Arbitrary<unknown> {
  return fc
    .array(mutation, { maxLength: 3 })
    .map((ms) => ms.reduce<unknown>((root, m) => apply(root, m), structuredClone(sample)));
}
