import type { FastifyInstance, InjectOptions } from 'fastify';
import fc from 'fast-check';
import { paramNames, type RouteDeclaration } from '../../src/contracts/route.js';
import { checkDeclaredResponse } from './declared-response.js';
import { jsonText, mutated, nastyString, nastyValue } from './fuzz.js';

/** What a fuzzed request may use: valid bodies to mutate, values a path may name, tokens. */
export type FuzzContext = {
  /** A valid body per route name; a route without one gets arbitrary JSON. */
  samples: Record<string, unknown>;
  /**
   * Values worth trying per path parameter (`id`), or per route and parameter
   * (`checkin:id`) where one route wants its own; the first is tried most.
   */
  params: Record<string, string[]>;
  /** The token each kind of route expects; others are tried too. */
  tokens: { admin: string; computer: string };
};

export type FuzzRequest = InjectOptions & { method: string; url: string; route: string };

/** Every byte percent-encoded, so a lone surrogate or a NUL still makes a URL. */
function encodeSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Path segments as they arrive broken: bad escapes, overlong UTF-8, a NUL. */
const rawSegment = fc.constantFrom('%', '%zz', '%C0%AF', '%00', '%E0%A4%A', '%FF%FE', '..', '.');

function segment(known: string[]): fc.Arbitrary<string> {
  const [first, ...others] = known;
  const choices: fc.WeightedArbitrary<string>[] = [
    // An empty segment reaches the route too (a 400), but no declaration's pattern matches it.
    { weight: 3, arbitrary: nastyString.filter((s) => s !== '').map(encodeSegment) },
    { weight: 1, arbitrary: rawSegment },
  ];
  if (first !== undefined) choices.push({ weight: 6, arbitrary: fc.constant(first) });
  if (others.length > 0) choices.push({ weight: 2, arbitrary: fc.constantFrom(...others) });
  return fc.oneof(...choices);
}

const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(nastyString, nastyString), { maxLength: 3 })
      .map(
        (pairs) => `?${pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}`,
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('?%', '?a=%zz', '?__proto__[x]=1', '?a[]=1&a[]=2') },
);

/** A route's own query fields (paging: limit, cursor, sort, order, filters), with odd values. */
function declaredQuery(r: RouteDeclaration): fc.Arbitrary<string> {
  const keys = Object.keys(r.query?.shape ?? {});
  if (keys.length === 0) return query;
  const value = fc.oneof(
    fc.constantFrom('1', '50', '500', '501', '0', '-1', '1e3', 'asc', 'desc', 'hostname', 'id'),
    fc.constantFrom('online', 'never-seen', 'failed', '2026-12-01T00:00:00Z', 'eyJzIjoxfQ'),
    nastyString,
  );
  return fc.oneof(
    { weight: 3, arbitrary: query },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...keys), value), { minLength: 1, maxLength: 4 })
        .map(
          (pairs) =>
            `?${pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}`,
        ),
    },
  );
}

/** Range headers as a downloader might send them, and as none should. */
const range = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'bytes=0-',
      'bytes=2-3',
      'bytes=-2',
      'bytes=3-1',
      'bytes=0-1,2-3',
      'bytes=99999999999999999999-',
      'bytes=-0',
      'bytes=abc',
      'bits=0-1',
      'bytes=9007199254740993-9007199254740995',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`) },
  { weight: 1, arbitrary: nastyString.map((s) => `bytes=${encodeSegment(s)}`) },
);

type Body = { payload?: string | Buffer; contentType?: string };

function body(r: RouteDeclaration, sample: unknown): fc.Arbitrary<Body> {
  const json = (v: unknown): Body =>
    v === undefined ? {} : { payload: jsonText(v), contentType: 'application/json' };
  const brokenJson = fc.constantFrom(
    '{',
    '{"a":',
    '[1,]',
    '{"__proto__":{"x":1}}',
    '1e400',
    '"\\u0000"',
  );
  if (r.body === 'octet-stream') {
    return fc.oneof(
      fc
        .uint8Array({ maxLength: 256 })
        .map((b) => ({ payload: Buffer.from(b), contentType: 'application/octet-stream' })),
      nastyValue.map(json),
    );
  }
  return fc.oneof(
    { weight: sample === undefined ? 0 : 2, arbitrary: fc.constant(sample).map(json) },
    { weight: sample === undefined ? 0 : 6, arbitrary: mutated(sample).map(json) },
    { weight: 2, arbitrary: nastyValue.map(json) },
    {
      weight: 1,
      arbitrary: brokenJson.map((payload) => ({ payload, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: nastyString.map((payload) => ({ payload, contentType: 'text/plain' })),
    },
    { weight: 1, arbitrary: fc.constant<Body>({}) },
  );
}

function authorization(
  r: RouteDeclaration,
  tokens: FuzzContext['tokens'],
): fc.Arbitrary<string | undefined> {
  const own = r.auth === 'computer' ? tokens.computer : tokens.admin;
  return fc.oneof(
    { weight: 18, arbitrary: fc.constant(`Bearer ${own}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        `Bearer ${r.auth === 'computer' ? tokens.admin : tokens.computer}`,
        'Bearer',
        'Basic YTpi',
        `Bearer ${own}x`,
      ),
    },
    { weight: 1, arbitrary: nastyString.map((s) => `Bearer ${encodeSegment(s)}`) },
  );
}

/** Any request to one declared route: its path filled, its body mutated, its token varied. */
function requestTo(
  name: string,
  r: RouteDeclaration,
  context: FuzzContext,
): fc.Arbitrary<FuzzRequest> {
  const segments = paramNames(r.path).map((p) =>
    segment(context.params[`${name}:${p}`] ?? context.params[p] ?? []),
  );
  return fc
    .record({
      values: fc.tuple(...segments),
      query: declaredQuery(r),
      body: r.body === undefined ? fc.constant<Body>({}) : body(r, context.samples[name]),
      authorization: authorization(r, context.tokens),
      range: r.method === 'GET' ? range : fc.constant(undefined),
    })
    .map(({ values, query: q, body: b, authorization: auth, range: bytes }) => {
      let i = 0;
      const path = r.path.replace(/:([A-Za-z0-9_]+)/g, () => values[i++] ?? '');
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (b.contentType) headers['content-type'] = b.contentType;
      if (bytes !== undefined) headers.range = bytes;
      return {
        route: name,
        method: r.method,
        url: `${path}${q}`,
        headers,
        ...(b.payload === undefined ? {} : { payload: b.payload }),
      };
    });
}

/** A request to any of these routes, each route as likely as the next. */
export function anyRequest(
  routes: Record<string, RouteDeclaration>,
  context: FuzzContext,
): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...Object.entries(routes).map(([name, r]) => requestTo(name, r, context)));
}

/**
 * Sends one request and throws unless the answer is below 500 and has its declared
 * shape (the route's response on success, the error body naming the problem otherwise).
 */
export async function sendChecked(
  app: FastifyInstance,
  request: FuzzRequest,
  tally?: Tally,
): Promise<void> {
  const { route, ...options } = request;
  const res = await app.inject(options);
  const what = `${route}: ${request.method} ${request.url.slice(0, 200)}`;
  if (res.statusCode >= 500)
    throw new Error(`${what} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
  checkDeclaredResponse(request.method, request.url, res);
  tally?.add(request.route, res.statusCode);
}

/** How many answers of each status each route gave: shows the cases reached the handlers. */
export class Tally {
  private readonly counts = new Map<string, Map<number, number>>();

  add(route: string, status: number): void {
    const byStatus = this.counts.get(route) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.counts.set(route, byStatus);
  }

  /** `checkin 200×41 400×87 …`, one route a line. */
  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, byStatus]) => {
        const statuses = [...byStatus].sort(([a], [b]) => a - b);
        return `${route} ${statuses.map(([s, n]) => `${s}×${n}`).join(' ')}`;
      })
      .join('\n');
  }
}
