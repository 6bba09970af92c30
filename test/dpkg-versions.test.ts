import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDpkg } from '../src/domain/packages/versions.js';

/** Versions built from the parts dpkg's rules treat differently: epochs, ~, +, letters, revisions. */
function versions(): string[] {
  const epochs = ['', '1:'];
  const upstreams = [
    '1.0',
    '1.0~rc1',
    '1.0~~',
    '1.0a',
    '1.0+b',
    '1.00',
    '1.0.0',
    '1.1',
    '10',
    '1.0~',
    '1.0.a',
  ];
  const revisions = ['', '-1', '-0', '-1~bpo1', '-1+b1', '-10', '-a'];
  const out: string[] = [];
  for (const e of epochs)
    for (const u of upstreams) for (const r of revisions) out.push(`${e}${u}${r}`);
  return out;
}

function dpkgSays(a: string, b: string): number {
  if (spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0) return -1;
  if (spawnSync('dpkg', ['--compare-versions', a, 'eq', b]).status === 0) return 0;
  return 1;
}

describe('dpkg version comparison, against dpkg --compare-versions', () => {
  it('agrees on every pair of a spread of versions', { timeout: 120_000 }, () => {
    const all = versions();
    // Each version against a fixed stride of others: every part meets every other part.
    const disagreements: string[] = [];
    for (let i = 0; i < all.length; i++) {
      for (let k = 1; k <= 6; k++) {
        const a = all[i] as string;
        const b = all[(i * 7 + k * 13) % all.length] as string;
        const want = dpkgSays(a, b);
        if (Math.sign(compareDpkg(a, b)) !== want) disagreements.push(`${a} vs ${b}: dpkg ${want}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});
