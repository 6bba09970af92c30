import { globMatches } from './glob.js';
import { versionScheme, type PackageManager } from './packages/detect-rules.js';
import {
  compareVersions,
  holds,
  MAX_VERSION_LENGTH,
  type ConstraintOperator,
} from './packages/versions.js';

/**
 * The query language of query groups (dynamic collections), over inventory fields:
 *
 *   os = "linux" and site = "tokyo"
 *   (site = "osaka" or site = "kyoto") and not hostname ~ "kiosk-*"
 *   freeDiskMB < 1024
 *
 * Operators: = != (strings and numbers), < <= > >= (numbers), ~ (glob: * and ?),
 * `in ("a", "b")`; combined with and, or, not and parentheses. Strings compare
 * case-insensitively, as admins type hostnames.
 *
 *   package "openssl"                 the package is installed
 *   package "openssl" < "3.0.15"      …with a version below, by its manager's rules
 */

export const queryFields = [
  'hostname',
  'os',
  'osVersion',
  'arch',
  'hardwareId',
  'freeDiskMB',
  'agentVersion',
  'site',
  'ip',
] as const;
export type QueryField = (typeof queryFields)[number];

export type QueryInventory = {
  hostname: string;
  os: string;
  osVersion: string;
  arch: string;
  hardwareId: string;
  freeDiskMB: number;
  agentVersion: string;
  site: string | null;
  ipAddresses: readonly string[];
  /** The installed packages the query names (absent: none known). */
  packages?: readonly { name: string; version: string; manager: PackageManager }[];
};

type Value = string | number;
type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';
export type QueryNode =
  | { kind: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { kind: 'not'; operand: QueryNode }
  | { kind: 'compare'; field: QueryField; op: CompareOp; value: Value }
  | { kind: 'in'; field: QueryField; values: Value[] }
  | { kind: 'package'; name: string; op: ConstraintOperator | null; version: string | null };

export type ParseResult = { ok: true; query: QueryNode } | { ok: false; error: string };

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'op'; v: string; at: number };

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return `unterminated string at position ${i + 1}`;
      tokens.push({ t: 'string', v: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
      const raw = m?.[0] ?? c;
      tokens.push({ t: 'number', v: Number(raw), at: i });
      i += raw.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      const raw = m?.[0] ?? c;
      tokens.push({ t: 'word', v: raw, at: i });
      i += raw.length;
    } else {
      const two = text.slice(i, i + 2);
      if (['!=', '<=', '>='].includes(two)) {
        tokens.push({ t: 'op', v: two, at: i });
        i += 2;
      } else if ('=<>~(),'.includes(c)) {
        tokens.push({ t: 'op', v: c, at: i });
        i += 1;
      } else {
        return `unexpected character "${c}" at position ${i + 1}`;
      }
    }
  }
  return tokens;
}

/** Nesting beyond this is no real query, and every check-in walks the tree recursively. */
export const maxQueryDepth = 32;

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode {
    const node = this.or();
    const rest = this.tokens[this.pos];
    if (rest) throw new Error(`unexpected "${String(rest.v)}" at position ${rest.at + 1}`);
    return node;
  }

  private peekWord(word: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'word' && tok.v.toLowerCase() === word;
  }

  private peekOp(op: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === 'op' && tok.v === op;
  }

  private next(expected: string): Token {
    const tok = this.tokens[this.pos];
    if (!tok) throw new Error(`expected ${expected} at the end of the query`);
    this.pos += 1;
    return tok;
  }

  private or(): QueryNode {
    let left = this.and();
    while (this.peekWord('or')) {
      this.pos += 1;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): QueryNode {
    let left = this.unary();
    while (this.peekWord('and')) {
      this.pos += 1;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): QueryNode {
    if (!this.peekWord('not') && !this.peekOp('(')) return this.comparison();
    const tok = this.next('"not" or "("');
    if (this.depth === maxQueryDepth) {
      throw new Error(
        `the query nests deeper than ${maxQueryDepth} levels of "not" and "(" at position ${tok.at + 1}`,
      );
    }
    this.depth += 1;
    const node = this.nested(tok);
    this.depth -= 1;
    return node;
  }

  private nested(open: Token): QueryNode {
    if (open.t === 'word') return { kind: 'not', operand: this.unary() };
    const inner = this.or();
    const close = this.next('")"');
    if (close.t !== 'op' || close.v !== ')') {
      throw new Error(`expected ")" at position ${close.at + 1}`);
    }
    return inner;
  }

  private value(): Value {
    const tok = this.next('a value');
    if (tok.t === 'string' || tok.t === 'number') return tok.v;
    throw new Error(`expected a quoted string or a number at position ${tok.at + 1}`);
  }

  private comparison(): QueryNode {
    if (this.peekWord('package')) return this.packageTest();
    const fieldTok = this.next('a field name');
    const field = queryFields.find(
      (f) => fieldTok.t === 'word' && f.toLowerCase() === fieldTok.v.toLowerCase(),
    );
    if (!field) {
      throw new Error(
        `unknown field "${String(fieldTok.v)}" at position ${fieldTok.at + 1}; fields are ${queryFields.join(', ')}`,
      );
    }
    if (this.peekWord('in')) {
      this.pos += 1;
      const open = this.next('"("');
      if (open.t !== 'op' || open.v !== '(')
        throw new Error(`expected "(" at position ${open.at + 1}`);
      const values = [this.value()];
      while (this.peekOp(',')) {
        this.pos += 1;
        values.push(this.value());
      }
      const close = this.next('")"');
      if (close.t !== 'op' || close.v !== ')')
        throw new Error(`expected ")" at position ${close.at + 1}`);
      return { kind: 'in', field, values };
    }
    const opTok = this.next('an operator');
    if (opTok.t !== 'op' || !['=', '!=', '<', '<=', '>', '>=', '~'].includes(opTok.v)) {
      throw new Error(`expected an operator (= != < <= > >= ~ in) at position ${opTok.at + 1}`);
    }
    return { kind: 'compare', field, op: opTok.v as CompareOp, value: this.value() };
  }

  private packageTest(): QueryNode {
    this.pos += 1;
    const nameTok = this.next('a package name');
    if (nameTok.t !== 'string' || nameTok.v.length === 0 || nameTok.v.length > 256) {
      throw new Error(`expected a quoted package name at position ${nameTok.at + 1}`);
    }
    const opTok = this.tokens[this.pos];
    if (opTok?.t !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(opTok.v)) {
      return { kind: 'package', name: nameTok.v, op: null, version: null };
    }
    this.pos += 1;
    const versionTok = this.next('a quoted version');
    if (
      versionTok.t !== 'string' ||
      versionTok.v.length === 0 ||
      versionTok.v.length > MAX_VERSION_LENGTH
    ) {
      throw new Error(`expected a quoted version at position ${versionTok.at + 1}`);
    }
    return {
      kind: 'package',
      name: nameTok.v,
      op: opTok.v as ConstraintOperator,
      version: versionTok.v,
    };
  }
}

/** The package names a query looks at: the rows to load with the inventory. */
export function queryPackageNames(query: QueryNode): string[] {
  const names = new Set<string>();
  const stack: QueryNode[] = [query];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.kind === 'and' || node.kind === 'or') stack.push(node.left, node.right);
    else if (node.kind === 'not') stack.push(node.operand);
    else if (node.kind === 'package') names.add(node.name);
  }
  return [...names];
}

export function parseGroupQuery(text: string): ParseResult {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  if (tokens.length === 0) return { ok: false, error: 'the query is empty' };
  try {
    return { ok: true, query: new Parser(tokens).parse() };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function fieldValues(inv: QueryInventory, field: QueryField): Value[] {
  switch (field) {
    case 'ip':
      return [...inv.ipAddresses];
    case 'site':
      return inv.site === null ? [] : [inv.site];
    case 'hostname':
    case 'os':
    case 'osVersion':
    case 'arch':
    case 'hardwareId':
    case 'agentVersion':
    case 'freeDiskMB':
      return [inv[field]];
  }
}

function compare(actual: Value, op: CompareOp, expected: Value): boolean {
  if (op === '~') return globMatches(String(expected), String(actual));
  let a: number | string;
  let b: number | string;
  if (typeof expected === 'number' || typeof actual === 'number') {
    a = Number(actual);
    b = Number(expected);
    if (Number.isNaN(a) || Number.isNaN(b)) return op === '!=';
  } else {
    a = actual.toLowerCase();
    b = expected.toLowerCase();
  }
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

export function matchesGroupQuery(query: QueryNode, inv: QueryInventory): boolean {
  switch (query.kind) {
    case 'and':
      return matchesGroupQuery(query.left, inv) && matchesGroupQuery(query.right, inv);
    case 'or':
      return matchesGroupQuery(query.left, inv) || matchesGroupQuery(query.right, inv);
    case 'not':
      return !matchesGroupQuery(query.operand, inv);
    case 'in':
      return fieldValues(inv, query.field).some((v) =>
        query.values.some((expected) => compare(v, '=', expected)),
      );
    case 'package':
      return (inv.packages ?? []).some(
        (p) =>
          p.name === query.name &&
          (query.op === null ||
            query.version === null ||
            holds(query.op, compareVersions(versionScheme(p.manager), p.version, query.version))),
      );
    case 'compare': {
      const values = fieldValues(inv, query.field);
      if (query.op === '!=') return values.every((v) => compare(v, '!=', query.value));
      return values.some((v) => compare(v, query.op, query.value));
    }
  }
}
