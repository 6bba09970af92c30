import { describe, expect, it } from 'vitest';
import { globMatches, type GlobMeter } from './glob.js';

/** The textbook dynamic programme: obviously right, quadratic, fine for short inputs. */
function reference(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let row = [true, ...Array.from({ length: t.length }, () => false)];
  for (const c of g) {
    const next = [c === '*' && row[0] === true];
    for (let i = 1; i <= t.length; i++) {
      next[i] =
        c === '*'
          ? row[i] === true || next[i - 1] === true
          : row[i - 1] === true && (c === '?' || c === t[i - 1]);
    }
    row = next;
  }
  return row[t.length] === true;
}

function* words(alphabet: string, maxLength: number): Generator<string> {
  yield '';
  let level = [''];
  for (let n = 1; n <= maxLength; n++) {
    level = level.flatMap((w) => [...alphabet].map((c) => w + c));
    yield* level;
  }
}

describe('globs', () => {
  it('match as the group query documents them', () => {
    expect(globMatches('tokyo-ws-*', 'TOKYO-WS-042')).toBe(true);
    expect(globMatches('tokyo-ws-*', 'osaka-ws-042')).toBe(false);
    expect(globMatches('kiosk-??', 'kiosk-07')).toBe(true);
    expect(globMatches('kiosk-??', 'kiosk-7')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'a')).toBe(false);
    expect(globMatches('a*a', 'a')).toBe(false);
    expect(globMatches('*.example.com', 'db.example.com')).toBe(true);
    expect(globMatches('*.example.com', 'dbxexample.com')).toBe(false);
  });

  it('agree with the reference matcher on every short glob and text', () => {
    const texts = [...words('ab-', 5)];
    for (const glob of words('a-*?', 4)) {
      for (const text of texts) {
        if (globMatches(glob, text) !== reference(glob, text)) {
          throw new Error(`"${glob}" on "${text}": expected ${String(reference(glob, text))}`);
        }
      }
    }
  });

  it('answer the crafted 255-character hostname with work linear in its length', () => {
    const glob = '*-*-*-*-prod';
    const crafted = [
      '-'.repeat(255),
      'a-'.repeat(127) + 'p',
      '-'.repeat(250) + '-pro',
      '-'.repeat(250) + 'prod',
    ];
    for (const hostname of crafted) {
      const meter: GlobMeter = { steps: 0 };
      expect(globMatches(glob, hostname, meter)).toBe(reference(glob, hostname));
      expect(meter.steps).toBeLessThanOrEqual(hostname.length * glob.length);
    }
    const meter: GlobMeter = { steps: 0 };
    expect(globMatches(glob, `${'a-'.repeat(125)}prod`, meter)).toBe(true);
    expect(meter.steps).toBeLessThanOrEqual(255 * glob.length);
  });

  it('do twice the work, not four or sixteen times, on twice the text', () => {
    const steps = (n: number): number => {
      const meter: GlobMeter = { steps: 0 };
      globMatches('*a*a*a*a*b', 'a'.repeat(n), meter);
      return meter.steps;
    };
    expect(steps(2000)).toBeLessThanOrEqual(2 * steps(1000) + 10);
  });
});
