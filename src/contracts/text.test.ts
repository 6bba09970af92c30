import { describe, expect, it } from 'vitest';
import { markNul, nulMark, unstorableIssues } from './text.js';

describe('what both engines can store', () => {
  it('marks each NUL of evidence text, keeping its length', () => {
    expect(markNul('a\u0000b\u0000')).toBe(`a${nulMark}b${nulMark}`);
    expect(markNul('plain')).toBe('plain');
  });

  it('names each string or key with a NUL byte, in the input order', () => {
    const input = {
      reports: [{ message: 'ok' }, { message: 'x\u0000', output: 'y\u0000' }],
      ['k\u0000']: 1,
    };
    expect(unstorableIssues(input)).toEqual([
      { field: 'reports.1.message', message: 'must not contain a NUL byte' },
      { field: 'reports.1.output', message: 'must not contain a NUL byte' },
      { field: 'k\u0000', message: 'must not contain a NUL byte in its name' },
    ]);
    expect(unstorableIssues('\u0000', 'id')).toEqual([
      { field: 'id', message: 'must not contain a NUL byte' },
    ]);
  });

  it('names integers a JS number cannot hold exactly, and lets the rest pass', () => {
    const issues = unstorableIssues({ a: 2 ** 53, b: -(2 ** 60), c: 3221225477, d: 0.5 });
    expect(issues.map((i) => i.field)).toEqual(['a', 'b']);
    expect(unstorableIssues({ exitCode: Number.MAX_SAFE_INTEGER, size: 1.5e3 })).toEqual([]);
  });

  it('walks without recursion as deep as a schema goes, and names at most 20 fields', () => {
    const nested = (depth: number) => {
      let value: unknown = '\u0000';
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    expect(unstorableIssues(nested(64))).toHaveLength(1);
    // Deeper is free-form JSON, which its own bounds check refuses before it is stored.
    expect(unstorableIssues(nested(1_000_000))).toEqual([]);
    expect(unstorableIssues(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(20);
  });
});
