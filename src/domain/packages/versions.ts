/**
 * Version comparison the way each platform's package tools do it: dpkg's rules
 * (epoch, upstream, revision; `~` sorts before everything, even the end), rpm's
 * rpmvercmp (epoch, version, release; `~` before, `^` after the end), and the dotted
 * numbers of Windows (file, product and registry versions). Pure and bounded: a version
 * is at most `MAX_VERSION_LENGTH` characters and each comparison is linear in its length.
 */

export type VersionScheme = 'dpkg' | 'rpm' | 'dotted';
export const versionSchemes = ['dpkg', 'rpm', 'dotted'] as const;

export const MAX_VERSION_LENGTH = 256;

/** Negative, zero or positive, as `a` sorts before, with or after `b`. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number {
  switch (scheme) {
    case 'dpkg':
      return compareDpkg(a, b);
    case 'rpm':
      return compareRpmEvr(a, b);
    case 'dotted':
      return compareDotted(a, b);
  }
}

// ---- dpkg (lib/dpkg/version.c) ----

interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function parseDpkg(v: string): DpkgVersion {
  const s = v.trim();
  const colon = s.indexOf(':');
  const epochText = colon >= 0 ? s.slice(0, colon) : '';
  const epoch = /^[0-9]+$/.test(epochText) ? Number(epochText) : 0;
  const rest = colon >= 0 ? s.slice(colon + 1) : s;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** dpkg's `order`: digits and the end 0, letters themselves, `~` below all, others above letters. */
function dpkgOrder(c: string): number {
  if (c === '' || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charAt(i))) || (j < b.length && !isDigit(b.charAt(j)))) {
      const ac = dpkgOrder(a.charAt(i));
      const bc = dpkgOrder(b.charAt(j));
      if (ac !== bc) return ac - bc;
      i += 1;
      j += 1;
    }
    while (a.charAt(i) === '0') i += 1;
    while (b.charAt(j) === '0') j += 1;
    let firstDiff = 0;
    while (isDigit(a.charAt(i)) && isDigit(b.charAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i += 1;
      j += 1;
    }
    if (isDigit(a.charAt(i))) return 1;
    if (isDigit(b.charAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

export function compareDpkg(a: string, b: string): number {
  const x = parseDpkg(a);
  const y = parseDpkg(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

// ---- rpm (rpmio/rpmvercmp.c) ----

const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/** rpmvercmp: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const skip = (s: string, k: number): number => {
    while (k < s.length && !isAlnum(s.charAt(k)) && s.charAt(k) !== '~' && s.charAt(k) !== '^')
      k += 1;
    return k;
  };
  while (i < a.length || j < b.length) {
    i = skip(a, i);
    j = skip(b, j);
    const ca = a.charAt(i);
    const cb = b.charAt(j);
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i += 1;
      j += 1;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (ca === '') return -1;
      if (cb === '') return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i += 1;
      j += 1;
      continue;
    }
    if (ca === '' || cb === '') break;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && inSegment(a.charAt(ei))) ei += 1;
    while (ej < b.length && inSegment(b.charAt(ej))) ej += 1;
    if (ei === i) return -1;
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  epoch: number;
  version: string;
  release: string | null;
}

/** `[epoch:]version[-release]`; rpm's `(none)` epoch (from `%{EPOCH}`) is 0. */
export function parseEvr(v: string): Evr {
  const s = v.trim();
  const colon = s.indexOf(':');
  const epochText = colon >= 0 ? s.slice(0, colon) : '';
  const epoch = /^[0-9]+$/.test(epochText) ? Number(epochText) : 0;
  const rest = colon >= 0 ? s.slice(colon + 1) : s;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
    : { epoch, version: rest, release: null };
}

/**
 * Compares two `[epoch:]version[-release]`. As in rpm's dependency ranges, a side
 * without a release compares the versions only (`>= 1.2` holds for `1.2-3.el9`).
 */
export function compareRpmEvr(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0 || x.release === null || y.release === null) return byVersion;
  return rpmvercmp(x.release, y.release);
}

// ---- dotted (Windows) ----

/** `1.2.3.4`: numbers compared one by one, a missing one is 0 (`1.2` = `1.2.0.0`). */
export function compareDotted(a: string, b: string): number {
  const x = a.trim().split('.');
  const y = b.trim().split('.');
  for (let k = 0; k < Math.max(x.length, y.length); k++) {
    const p = (x[k] ?? '0').replace(/^0+(?=.)/, '');
    const q = (y[k] ?? '0').replace(/^0+(?=.)/, '');
    const pn = /^[0-9]+$/.test(p);
    const qn = /^[0-9]+$/.test(q);
    if (pn && qn) {
      if (p.length !== q.length) return p.length > q.length ? 1 : -1;
      if (p !== q) return p < q ? -1 : 1;
    } else if (p !== q) {
      // Not a number (e.g. `1.2.beta`): numbers sort before text, text by its characters.
      if (pn !== qn) return pn ? -1 : 1;
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

// ---- constraints ----

export const constraintOperators = ['<', '<=', '=', '!=', '>=', '>'] as const;
export type ConstraintOperator = (typeof constraintOperators)[number];

export interface VersionConstraint {
  op: ConstraintOperator;
  version: string;
}

/**
 * `">= 1.2.3"`, `"< 3.0.15"`, `"= 1.0-1"` or a bare version (meaning `=`). dpkg's `<<`
 * and `>>` are read as `<` and `>`. Null when it is not a constraint.
 */
export function parseConstraint(text: string): VersionConstraint | null {
  if (text.length > MAX_VERSION_LENGTH + 8) return null;
  const m = /^\s*(<<|>>|<=|>=|==|!=|<|>|=)?\s*([^\s<>=!]+)\s*$/.exec(text);
  if (!m) return null;
  const raw = m[1] ?? '=';
  const op: ConstraintOperator =
    raw === '<<' ? '<' : raw === '>>' ? '>' : raw === '==' ? '=' : (raw as ConstraintOperator);
  const version = m[2] ?? '';
  if (version.length > MAX_VERSION_LENGTH) return null;
  return { op, version };
}

export function holds(op: ConstraintOperator, cmp: number): boolean {
  switch (op) {
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
  }
}

export function satisfies(
  scheme: VersionScheme,
  installed: string,
  constraint: VersionConstraint,
): boolean {
  return holds(constraint.op, compareVersions(scheme, installed, constraint.version));
}
