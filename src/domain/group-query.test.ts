import { describe, expect, it } from 'vitest';
import {
  matchesGroupQuery,
  maxQueryDepth,
  parseGroupQuery,
  queryPackageNames,
  type QueryInventory,
} from './group-query.js';

const inv: QueryInventory = {
  hostname: 'tokyo-ws-01',
  os: 'linux',
  osVersion: '6.1.0',
  arch: 'x64',
  hardwareId: 'hw-1',
  freeDiskMB: 800,
  agentVersion: '0.1.0',
  site: 'tokyo',
  ipAddresses: ['10.1.2.3', 'fe80::1'],
};

function matches(text: string, inventory: QueryInventory = inv): boolean {
  const parsed = parseGroupQuery(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return matchesGroupQuery(parsed.query, inventory);
}

describe('group queries', () => {
  it('combines comparisons with and, or, not and parentheses', () => {
    expect(matches('os = "linux" and site = "tokyo"')).toBe(true);
    expect(matches('os = "linux" and site = "osaka"')).toBe(false);
    expect(matches('site = "osaka" or site = "tokyo"')).toBe(true);
    expect(matches('not (site = "osaka" or site = "kyoto")')).toBe(true);
    expect(matches('OS = "Linux"')).toBe(true);
  });

  it('compares numbers, globs and lists', () => {
    expect(matches('freeDiskMB < 1024')).toBe(true);
    expect(matches('freeDiskMB >= 1024')).toBe(false);
    expect(matches('hostname ~ "tokyo-ws-*"')).toBe(true);
    expect(matches('hostname ~ "osaka-*"')).toBe(false);
    expect(matches('site in ("osaka", "tokyo")')).toBe(true);
    expect(matches('ip = "10.1.2.3"')).toBe(true);
  });

  it('refuses a query nested deeper than it can be walked safely', () => {
    const deep = (n: number) => `${'('.repeat(n)}os = "linux"${')'.repeat(n)}`;
    expect(matches(deep(maxQueryDepth))).toBe(true);
    expect(matches(`${'not '.repeat(maxQueryDepth)}os = "linux"`)).toBe(true);
    expect(parseGroupQuery(deep(1000))).toEqual({
      ok: false,
      error: `the query nests deeper than ${maxQueryDepth} levels of "not" and "(" at position ${maxQueryDepth + 1}`,
    });
    expect(parseGroupQuery(`${'not '.repeat(2000)}os = "linux"`).ok).toBe(false);
  });

  it('matches many-star globs on long hostnames (linear matching, see glob.test.ts)', () => {
    const query = 'hostname ~ "*-*-*-*-prod"';
    expect(matches(query, { ...inv, hostname: `${'a-'.repeat(125)}prod` })).toBe(true);
    expect(matches(query, { ...inv, hostname: '-'.repeat(255) })).toBe(false);
    expect(matches(query, { ...inv, hostname: 'db-01-prod' })).toBe(false);
  });

  it('treats a computer without a site as matching no site', () => {
    expect(matches('site = "tokyo"', { ...inv, site: null })).toBe(false);
    expect(matches('site != "tokyo"', { ...inv, site: null })).toBe(true);
  });

  it('explains what is wrong with a bad query', () => {
    expect(parseGroupQuery('color = "red"')).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown field "color"'),
    });
    expect(parseGroupQuery('os = "linux" and')).toMatchObject({
      ok: false,
      error: expect.stringContaining('field name'),
    });
    expect(parseGroupQuery('os = "linux')).toMatchObject({
      ok: false,
      error: expect.stringContaining('unterminated'),
    });
    expect(parseGroupQuery('')).toMatchObject({ ok: false });
    expect(parseGroupQuery('(os = "linux"')).toMatchObject({
      ok: false,
      error: expect.stringContaining('")"'),
    });
  });
});

describe('package tests in a query', () => {
  const debian: QueryInventory = {
    ...inv,
    packages: [
      { name: 'openssl', version: '3.0.11-1~deb12u2', manager: 'dpkg' },
      { name: 'libc6', version: '2.36-9', manager: 'dpkg' },
    ],
  };
  const rhel: QueryInventory = {
    ...inv,
    packages: [{ name: 'openssl', version: '1:3.0.7-27.el9', manager: 'rpm' }],
  };

  it('holds when the package is installed, with a version in range by its manager', () => {
    expect(matches('package "openssl"', debian)).toBe(true);
    expect(matches('package "curl"', debian)).toBe(false);
    expect(matches('package "openssl" < "3.0.15"', debian)).toBe(true);
    expect(matches('package "openssl" >= "3.0.11"', debian)).toBe(true);
    // dpkg: ~ sorts before the end, so 3.0.11~… < 3.0.11.
    expect(matches('package "openssl" = "3.0.11-1~deb12u2"', debian)).toBe(true);
    expect(matches('package "openssl" < "3.0.15"', rhel)).toBe(false); // epoch 1
    expect(matches('package "openssl" != "1:3.0.7-27.el9"', rhel)).toBe(false);
    expect(matches('package "curl" < "9"', debian)).toBe(false);
    expect(matches('not package "curl"', debian)).toBe(true);
    expect(matches('os = "linux" and package "libc6" > "2.35"', debian)).toBe(true);
    expect(matches('package "openssl"', inv)).toBe(false);
  });

  it('names the packages it looks at, once each', () => {
    const parsed = parseGroupQuery(
      'package "a" or (package "b" < "2" and not package "a") or os = "linux"',
    );
    if (!parsed.ok) throw new Error(parsed.error);
    expect(queryPackageNames(parsed.query).sort()).toEqual(['a', 'b']);
  });

  it('wants quoted names and versions, and a bounded version', () => {
    for (const bad of [
      'package openssl',
      'package "openssl" < 3.0',
      'package "openssl" <',
      'package "openssl" ~ "3*"',
      'package ""',
      `package "openssl" < "${'9'.repeat(300)}"`,
    ]) {
      expect(parseGroupQuery(bad).ok, bad).toBe(false);
    }
  });
});
