import { describe, expect, it } from 'vitest';
import {
  compareDotted,
  compareDpkg,
  compareRpmEvr,
  parseConstraint,
  rpmvercmp,
  satisfies,
} from './versions.js';

const sign = (n: number): number => Math.sign(n);

describe('rpmvercmp', () => {
  // rpm's own test table (tests/rpmvercmp.at).
  const table: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0', '1.0', 1],
    ['2.0.1', '2.0.1', 0],
    ['2.0', '2.0.1', -1],
    ['2.0.1', '2.0', 1],
    ['2.0.1a', '2.0.1a', 0],
    ['2.0.1a', '2.0.1', 1],
    ['2.0.1', '2.0.1a', -1],
    ['5.5p1', '5.5p1', 0],
    ['5.5p1', '5.5p2', -1],
    ['5.5p2', '5.5p1', 1],
    ['5.5p10', '5.5p10', 0],
    ['5.5p1', '5.5p10', -1],
    ['5.5p10', '5.5p1', 1],
    ['10xyz', '10.1xyz', -1],
    ['10.1xyz', '10xyz', 1],
    ['xyz10', 'xyz10', 0],
    ['xyz10', 'xyz10.1', -1],
    ['xyz10.1', 'xyz10', 1],
    ['xyz.4', 'xyz.4', 0],
    ['xyz.4', '8', -1],
    ['8', 'xyz.4', 1],
    ['xyz.4', '2', -1],
    ['2', 'xyz.4', 1],
    ['5.5p2', '5.6p1', -1],
    ['5.6p1', '5.5p2', 1],
    ['5.6p1', '6.5p1', -1],
    ['6.5p1', '5.6p1', 1],
    ['6.0.rc1', '6.0', 1],
    ['6.0', '6.0.rc1', -1],
    ['10b2', '10a1', 1],
    ['10a2', '10b2', -1],
    ['1.0aa', '1.0aa', 0],
    ['1.0a', '1.0aa', -1],
    ['1.0aa', '1.0a', 1],
    ['10.0001', '10.0001', 0],
    ['10.0001', '10.1', 0],
    ['10.1', '10.0001', 0],
    ['10.0001', '10.0039', -1],
    ['10.0039', '10.0001', 1],
    ['4.999.9', '5.0', -1],
    ['5.0', '4.999.9', 1],
    ['20101121', '20101121', 0],
    ['20101121', '20101122', -1],
    ['20101122', '20101121', 1],
    ['2_0', '2_0', 0],
    ['2.0', '2_0', 0],
    ['2_0', '2.0', 0],
    ['a', 'a', 0],
    ['a+', 'a+', 0],
    ['a+', 'a_', 0],
    ['a_', 'a+', 0],
    ['+a', '+a', 0],
    ['+a', '_a', 0],
    ['_a', '+a', 0],
    ['+_', '+_', 0],
    ['_+', '+_', 0],
    ['_+', '_', 0],
    ['+', '_', 0],
    ['_', '+', 0],
    ['1.0~rc1', '1.0~rc1', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0~rc1', 1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc2', '1.0~rc1', 1],
    ['1.0~rc1~git123', '1.0~rc1~git123', 0],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0~rc1', '1.0~rc1~git123', 1],
    ['1.0^', '1.0^', 0],
    ['1.0^', '1.0', 1],
    ['1.0', '1.0^', -1],
    ['1.0^git1', '1.0^git1', 0],
    ['1.0^git1', '1.0', 1],
    ['1.0', '1.0^git1', -1],
    ['1.0^git1', '1.0^git2', -1],
    ['1.0^git2', '1.0^git1', 1],
    ['1.0^git1', '1.01', -1],
    ['1.01', '1.0^git1', 1],
    ['1.0^20160101', '1.0^20160101', 0],
    ['1.0^20160101', '1.0.1', -1],
    ['1.0.1', '1.0^20160101', 1],
    ['1.0^20160101^git1', '1.0^20160101^git1', 0],
    ['1.0^20160102', '1.0^20160101^git1', 1],
    ['1.0^20160101^git1', '1.0^20160102', -1],
    ['1.0~rc1^git1', '1.0~rc1^git1', 0],
    ['1.0~rc1^git1', '1.0~rc1', 1],
    ['1.0~rc1', '1.0~rc1^git1', -1],
    ['1.0^git1~pre', '1.0^git1~pre', 0],
    ['1.0^git1', '1.0^git1~pre', 1],
    ['1.0^git1~pre', '1.0^git1', -1],
  ];
  it.each(table)('%s vs %s is %d', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
  });

  it('compares epoch first, then version, then release when both have one', () => {
    expect(sign(compareRpmEvr('1:1.0-1', '2.0-1'))).toBe(1);
    expect(sign(compareRpmEvr('3.0.7-27.el9', '3.0.15'))).toBe(-1);
    expect(compareRpmEvr('3.0.7-27.el9', '3.0.7')).toBe(0);
    expect(sign(compareRpmEvr('3.0.7-27.el9', '3.0.7-3.el9'))).toBe(1);
    expect(compareRpmEvr('0:1.0-1', '1.0-1')).toBe(0);
  });
});

describe('dpkg versions', () => {
  // From dpkg's t/version tests and Debian Policy §5.6.12.
  const table: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '1.0-0', 0],
    ['1.0-1', '1.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~~', '1.0~', -1],
    ['1.0~~a', '1.0~~', 1],
    ['1.0~', '1.0', -1],
    ['1.0', '1.0a', -1],
    ['1.0a', '1.0+', -1],
    ['1:0.9', '2.0', 1],
    ['0:1.0', '1.0', 0],
    ['1.0.0', '1.0', 1],
    ['1.01', '1.1', 0],
    ['2.30-1', '2.4-1', 1],
    ['3.0.11-1~deb12u2', '3.0.15', -1],
    ['3.0.15-1~deb12u1', '3.0.15', 1],
    ['1.2.3-1ubuntu1', '1.2.3-1', 1],
    ['1.0-1+b1', '1.0-1', 1],
    ['1.0+dfsg-1', '1.0-1', 1],
    ['a', 'b', -1],
    ['1.0-a-1', '1.0-a', 1],
  ];
  it.each(table)('%s vs %s is %d', (a, b, want) => {
    expect(sign(compareDpkg(a, b))).toBe(want);
  });
});

describe('dotted versions (Windows)', () => {
  it('compares number by number, a missing one being 0', () => {
    expect(compareDotted('1.2', '1.2.0.0')).toBe(0);
    expect(compareDotted('10.0.19041.1', '10.0.9200.0')).toBe(1);
    expect(compareDotted('1.02', '1.2')).toBe(0);
    expect(compareDotted('1.2.3', '1.10')).toBe(-1);
    expect(compareDotted('123456789012345678901', '123456789012345678902')).toBe(-1);
  });
});

describe('constraints', () => {
  it('reads an operator and a version, a bare version being "="', () => {
    expect(parseConstraint('>= 1.2.3')).toEqual({ op: '>=', version: '1.2.3' });
    expect(parseConstraint('<3.0.15')).toEqual({ op: '<', version: '3.0.15' });
    expect(parseConstraint('1:2.0-1')).toEqual({ op: '=', version: '1:2.0-1' });
    expect(parseConstraint('<< 2')).toEqual({ op: '<', version: '2' });
    expect(parseConstraint('== 2')).toEqual({ op: '=', version: '2' });
    expect(parseConstraint('!= 2')).toEqual({ op: '!=', version: '2' });
  });

  it('refuses what is not one', () => {
    for (const bad of ['', '>=', '>= 1 2', '=> 1', '>=1<2', 'x'.repeat(300)]) {
      expect(parseConstraint(bad), bad).toBeNull();
    }
  });

  it('judges each scheme by its own rules', () => {
    const c = parseConstraint('< 3.0.15');
    if (!c) throw new Error('no constraint');
    expect(satisfies('dpkg', '3.0.11-1~deb12u2', c)).toBe(true);
    expect(satisfies('dpkg', '3.0.15~rc1', c)).toBe(true);
    expect(satisfies('rpm', '1:3.0.7-27.el9', c)).toBe(false);
    expect(satisfies('rpm', '3.0.7-27.el9', c)).toBe(true);
    expect(satisfies('dotted', '3.0.9', c)).toBe(true);
  });
});
