import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  checkinResponse,
  enrollResponse,
  reportsResponse,
  type CheckinInput,
  type CheckinResponse,
  type EnrollRequest,
  type EnrollResponse,
  type ReportsRequest,
  type ReportsResponse,
} from '../contracts/agent-protocol.js';
import { agentPaths, agentRoutes } from '../contracts/agent-routes.js';
import { signedEnvelope, type SignedEnvelope } from '../contracts/metadata.js';
import {
  scanReportResponse,
  scanRulesResponse,
  type ScanReportInput,
  type ScanReportResponse,
  type ScanRulesResponse,
} from '../contracts/scan.js';
import {
  ServerCallError,
  type AgentCredential,
  type DownloadSink,
  type ServerClient,
  type WakeKind,
  type WakeStatus,
} from './core/server-client.js';
import { tlsFailure } from '../client/tls.js';
import { contentPath, type ContentProblemRequest } from '../contracts/distribution.js';
import { SseParser } from './sse.js';
import { ServerList } from './core/server-list.js';
import type { Endpoint } from './endpoints.js';

export type HttpServerClientOptions = HttpServerClientSettings &
  (
    | {
        /** The server's base URL, e.g. `https://ringmaster.example.com`. */
        serverUrl: string;
      }
    | {
        /** Several replicas of one server: calls fail over from one to the next. */
        servers: ServerList;
        /**
         * What the list's entries stand for, when a URL's name resolved to several
         * addresses (see endpoints.ts); absent: each entry is a URL.
         */
        endpoints?: readonly Endpoint[];
      }
  );

interface HttpServerClientSettings {
  /** Our own dispatcher, or one shared by many clients (the simulator). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Trust only this CA (PEM) for an https:// server; default the system's CAs. */
  ca?: string;
  /** The push channel's reconnect backoff: doubling from `firstMs` up to `maxMs`, jittered. */
  wakeBackoff?: { firstMs: number; maxMs: number };
  /**
   * The push channel is taken as dead when nothing (not even a `: ping`) arrives for
   * this long; the server pings more often than that.
   */
  wakeIdleTimeoutMs?: number;
}

const contentProblemAnswer = agentRoutes.contentProblem.response;

const WAKE_BACKOFF = { firstMs: 1000, maxMs: 30_000 };
const WAKE_IDLE_TIMEOUT_MS = 90_000;
/** A channel that stayed up this long dropped by chance: reconnect from the first step. */
const WAKE_STABLE_MS = 10_000;

/** The agent protocol over HTTP, with undici and keep-alive connections. */
export class HttpServerClient implements ServerClient {
  private readonly servers: ServerList;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  /**
   * The entries of the list that stand for one address of a URL, with the dispatcher
   * that connects there (our own per address; a shared one cannot be told the address).
   */
  private readonly addressed = new Map<string, { url: string; dispatcher: Dispatcher }>();
  private readonly userAgent: string;
  private readonly wakeBackoff: { firstMs: number; maxMs: number };
  private readonly wakeIdleTimeoutMs: number;

  constructor(options: HttpServerClientOptions) {
    this.servers = 'servers' in options ? options.servers : new ServerList([options.serverUrl]);
    this.ownDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? agentFor(options.ca, null);
    for (const endpoint of ('servers' in options ? options.endpoints : undefined) ?? []) {
      if (endpoint.address === null) continue;
      this.addressed.set(endpoint.id, {
        url: endpoint.url,
        dispatcher: this.ownDispatcher ? agentFor(options.ca, endpoint.address) : this.dispatcher,
      });
    }
    this.userAgent = options.userAgent ?? 'ringmaster-agent';
    this.wakeBackoff = options.wakeBackoff ?? WAKE_BACKOFF;
    this.wakeIdleTimeoutMs = options.wakeIdleTimeoutMs ?? WAKE_IDLE_TIMEOUT_MS;
  }

  async enroll(body: EnrollRequest): Promise<EnrollResponse> {
    return await this.post(agentPaths.enroll, null, body, enrollResponse);
  }

  async checkin(auth: AgentCredential, body: CheckinInput): Promise<CheckinResponse | 'unchanged'> {
    const path = agentPaths.checkin(auth.computerId);
    const headers = { ...this.headers(auth), 'content-type': 'application/json' };
    const payload = JSON.stringify(body);
    return await this.servers.run(async (server) => {
      const response = await this.send(server, 'POST', path, headers, payload);
      // A tag is known only to the replica that gave it: another answers in full.
      if (response.statusCode === 204 && body.answerTag !== undefined) {
        await response.body.dump();
        return 'unchanged' as const;
      }
      return await this.answer(path, response, checkinResponse);
    });
  }

  async root(version: number): Promise<SignedEnvelope> {
    return await this.call('GET', agentPaths.root(version), null, undefined, signedEnvelope);
  }

  async reports(auth: AgentCredential, body: ReportsRequest): Promise<ReportsResponse> {
    return await this.post(agentPaths.reports(auth.computerId), auth, body, reportsResponse);
  }

  async scanRules(auth: AgentCredential): Promise<ScanRulesResponse> {
    return await this.call(
      'GET',
      agentPaths.scanRules(auth.computerId),
      auth,
      undefined,
      scanRulesResponse,
    );
  }

  async contentProblem(auth: AgentCredential, body: ContentProblemRequest): Promise<void> {
    await this.post(agentPaths.contentProblem(auth.computerId), auth, body, contentProblemAnswer);
  }

  async scan(auth: AgentCredential, body: ScanReportInput): Promise<ScanReportResponse> {
    return await this.post(agentPaths.scan(auth.computerId), auth, body, scanReportResponse);
  }

  /** From the server in use; a download broken off resumes on the next one. */
  async download(auth: AgentCredential, sha256: string, sink: DownloadSink): Promise<void> {
    await this.servers.run(async (server) => {
      const { url, dispatcher } = this.target(server);
      await this.transfer(
        urlOf(url, agentPaths.content(sha256)),
        this.headers(auth),
        sink,
        dispatcher,
      );
    });
  }

  /**
   * A file from a distribution point: `<url>/sha256/ab/abcdef…`, no credential (the
   * agent checks the signed SHA-256), resuming from `sink.size` with Range.
   */
  async downloadFromPoint(pointUrl: string, sha256: string, sink: DownloadSink): Promise<void> {
    await this.transfer(
      urlOf(pointUrl, contentPath(sha256)),
      this.headers(null),
      sink,
      this.dispatcher,
    );
  }

  private async transfer(
    url: URL,
    baseHeaders: Record<string, string>,
    sink: DownloadSink,
    dispatcher: Dispatcher,
  ): Promise<void> {
    const offset = sink.size;
    const headers: Record<string, string> = { ...baseHeaders };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: 'GET', headers, dispatcher });
    } catch (error) {
      throw unreachable(error);
    }
    const { statusCode, body } = response;

    if (statusCode === 416 && offset > 0) {
      // Our partial copy is as long as the file or longer: start again from nothing.
      await body.dump();
      await sink.reset();
      return await this.transfer(url, baseHeaders, sink, dispatcher);
    }
    if (statusCode !== 200 && statusCode !== 206) throw await errorFrom(response);
    if (statusCode === 206) {
      const range = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== offset) {
        await body.dump();
        throw new ServerCallError('the server answered with another range', 206, 'bad-range');
      }
    } else if (offset > 0) {
      // The server ignored the range and sends the whole file.
      await sink.reset();
    }
    try {
      for await (const chunk of body) await sink.append(chunk as Buffer);
    } catch (error) {
      throw unreachable(error);
    }
  }

  /**
   * Holds `GET /agent/v1/computers/:id/wake`, a Server-Sent Events stream, and calls
   * `onWake` for every `event: checkin`. Reconnects with jittered backoff (1 s doubling
   * to 30 s) when it drops or goes silent; returns when `signal` aborts. A 4xx answer
   * (other than 408/429) throws: retrying at once would not change it. With several
   * servers, a channel that breaks (its replica died) counts its server as down, so the
   * reconnect, and the next call, go to the next one.
   */
  async wake(
    auth: AgentCredential,
    onWake: (kind: WakeKind) => void,
    signal: AbortSignal,
    onStatus?: (status: WakeStatus) => void,
  ): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const startedAt = Date.now();
      let connected = false;
      let message: string;
      try {
        await this.holdWake(auth, onWake, signal, (server) => {
          connected = true;
          onStatus?.({ type: 'connected', server });
        });
        message = 'the server closed the channel';
      } catch (error) {
        if (signal.aborted) return;
        if (isRefusal(error)) throw error;
        message = messageOf(error);
      }
      if (signal.aborted) return;
      failures = connected && Date.now() - startedAt >= WAKE_STABLE_MS ? 0 : failures + 1;
      const { firstMs, maxMs } = this.wakeBackoff;
      const step = Math.min(maxMs, firstMs * 2 ** Math.min(failures - 1, 30));
      const retryInMs = Math.round(step * (0.5 + Math.random() * 0.5));
      onStatus?.({ type: 'dropped', message, retryInMs });
      try {
        await sleep(retryInMs, undefined, { signal });
      } catch {
        return; // aborted
      }
    }
  }

  private async holdWake(
    auth: AgentCredential,
    onWake: (kind: WakeKind) => void,
    signal: AbortSignal,
    onConnected: (server: string) => void,
  ): Promise<void> {
    const { server, response } = await this.servers.run(async (server) => {
      const { url, dispatcher } = this.target(server);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(urlOf(url, agentPaths.wake(auth.computerId)), {
          method: 'GET',
          headers: {
            ...this.headers(auth),
            accept: 'text/event-stream',
            'cache-control': 'no-cache',
          },
          dispatcher,
          signal,
          bodyTimeout: this.wakeIdleTimeoutMs,
        });
      } catch (error) {
        throw unreachable(error);
      }
      if (response.statusCode !== 200) throw await errorFrom(response);
      return { server, response };
    }, signal);
    onConnected(server);
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for await (const chunk of response.body) {
        for (const event of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
          if (event.event === 'checkin') onWake(wakeKindOf(event.data));
        }
      }
    } catch (error) {
      const broken = unreachable(error);
      // Broken or silent, not closed: its replica is gone or hung.
      if (!signal.aborted) this.servers.down(server, broken.message);
      throw broken;
    }
  }

  async close(): Promise<void> {
    if (!this.ownDispatcher) return;
    await this.dispatcher.close();
    await Promise.all([...this.addressed.values()].map((t) => t.dispatcher.close()));
  }

  /** The URL of an entry of the list, and the dispatcher that reaches it. */
  private target(server: string): { url: string; dispatcher: Dispatcher } {
    return this.addressed.get(server) ?? { url: server, dispatcher: this.dispatcher };
  }

  private async post<T extends z.ZodType>(
    path: string,
    auth: AgentCredential | null,
    payload: unknown,
    schema: T,
  ): Promise<z.infer<T>> {
    return await this.call('POST', path, auth, payload, schema);
  }

  private async call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    auth: AgentCredential | null,
    payload: unknown,
    schema: T,
  ): Promise<z.infer<T>> {
    const headers =
      method === 'POST'
        ? { ...this.headers(auth), 'content-type': 'application/json' }
        : this.headers(auth);
    const body = method === 'POST' ? JSON.stringify(payload) : undefined;
    return await this.servers.run(async (server) => {
      const response = await this.send(server, method, path, headers, body);
      return await this.answer(path, response, schema);
    });
  }

  /** One request to one server; a network failure is an `unreachable` error. */
  private async send(
    server: string,
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const { url, dispatcher } = this.target(server);
    try {
      return await request(urlOf(url, path), { method, headers, body, dispatcher });
    } catch (error) {
      throw unreachable(error);
    }
  }

  private async answer<T extends z.ZodType>(
    path: string,
    response: Dispatcher.ResponseData,
    schema: T,
  ): Promise<z.infer<T>> {
    if (response.statusCode < 200 || response.statusCode >= 300) throw await errorFrom(response);
    let json: unknown;
    try {
      json = await response.body.json();
    } catch (error) {
      throw new ServerCallError(
        `invalid response from ${path}: ${messageOf(error)}`,
        response.statusCode,
        'invalid-response',
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ServerCallError(
        `invalid response from ${path}: ${parsed.error.message}`,
        response.statusCode,
        'invalid-response',
      );
    }
    return parsed.data;
  }

  private headers(auth: AgentCredential | null): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (auth) headers.authorization = `Bearer ${auth.credential}`;
    return headers;
  }
}

/**
 * Our connections: keep-alive, bounded waits, the pinned CA if any. With `address`, every
 * connection goes to that address, while the request still names the URL's host (the
 * Host header, the TLS server name and the certificate check).
 */
function agentFor(
  ca: string | undefined,
  address: { address: string; family: number } | null,
): Dispatcher {
  return new Agent({
    keepAliveTimeout: 30_000,
    connect: {
      timeout: 10_000,
      ...(ca === undefined ? {} : { ca }),
      ...(address === null ? {} : { lookup: fixedLookup(address) }),
    },
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  });
}

type LookupCallback = (
  error: Error | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/** A `lookup` for net.connect that always answers `address` (in both of its forms). */
function fixedLookup(address: { address: string; family: number }) {
  return (_hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    if (options.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
}

/** `path` under the base URL `base` (which may name a path of its own, e.g. behind a proxy). */
function urlOf(base: string, path: string): URL {
  return new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
}

async function errorFrom(response: Dispatcher.ResponseData): Promise<ServerCallError> {
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The body is lost; the status alone will do.
  }
  let code = `http-${response.statusCode}`;
  let message = text.slice(0, 500) || `HTTP ${response.statusCode}`;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON: keep the raw text.
  }
  return new ServerCallError(
    `${message} (HTTP ${response.statusCode})`,
    response.statusCode,
    code,
    parseRetryAfter(response.headers['retry-after'], Date.now()),
  );
}

/** A Retry-After longer than this is taken as this: a bad proxy must not park the fleet. */
const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * Retry-After (RFC 9110): whole seconds or an HTTP date, as seconds from `now`; null when
 * absent or unreadable.
 */
export function parseRetryAfter(value: unknown, now: number): number | null {
  const text = Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : '';
  let seconds: number;
  if (/^\s*\d+\s*$/.test(text)) seconds = Number(text);
  else {
    // An HTTP date ends in GMT; Date.parse alone would take "-5" for a year.
    const at = /GMT\s*$/.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(at)) return null;
    seconds = Math.max(0, Math.ceil((at - now) / 1000));
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

/** The server refused the channel itself: not worth retrying at once. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof ServerCallError) || error.status === null) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}

function unreachable(error: unknown): ServerCallError {
  if (error instanceof ServerCallError) return error;
  const tls = tlsFailure(error);
  if (tls !== null) return new ServerCallError(tls, null, 'tls-failure');
  const code = (error as { code?: unknown }).code;
  return new ServerCallError(
    `server unreachable: ${messageOf(error)}`,
    null,
    typeof code === 'string' ? code : 'unreachable',
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The kind a wake-up's data names; anything else (an older server's data) is a check-in. */
export function wakeKindOf(data: string): WakeKind {
  try {
    const value = JSON.parse(data) as { kind?: unknown };
    return value.kind === 'scan' ? 'scan' : 'checkin';
  } catch {
    return 'checkin';
  }
}
