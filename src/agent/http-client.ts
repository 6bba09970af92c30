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

export interface HttpServerClientOptions {
  /** The server's base URL, e.g. `https://ringmaster.example.com`. */
  serverUrl: string;
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
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly userAgent: string;
  private readonly wakeBackoff: { firstMs: number; maxMs: number };
  private readonly wakeIdleTimeoutMs: number;

  constructor(options: HttpServerClientOptions) {
    this.base = new URL(
      options.serverUrl.endsWith('/') ? options.serverUrl : `${options.serverUrl}/`,
    );
    this.ownDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        keepAliveTimeout: 30_000,
        connect: { timeout: 10_000, ...(options.ca === undefined ? {} : { ca: options.ca }) },
        headersTimeout: 60_000,
        bodyTimeout: 120_000,
      });
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
    const response = await this.send('POST', path, headers, JSON.stringify(body));
    if (response.statusCode === 204 && body.answerTag !== undefined) {
      await response.body.dump();
      return 'unchanged';
    }
    return await this.answer(path, response, checkinResponse);
  }

  async root(version: number): Promise<SignedEnvelope> {
    const path = agentPaths.root(version);
    const response = await this.send('GET', path, this.headers(null), undefined);
    return await this.answer(path, response, signedEnvelope);
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

  async download(auth: AgentCredential, sha256: string, sink: DownloadSink): Promise<void> {
    const url = new URL(agentPaths.content(sha256).replace(/^\//, ''), this.base);
    await this.transfer(url, this.headers(auth), sink);
  }

  /**
   * A file from a distribution point: `<url>/sha256/ab/abcdef…`, no credential (the
   * agent checks the signed SHA-256), resuming from `sink.size` with Range.
   */
  async downloadFromPoint(pointUrl: string, sha256: string, sink: DownloadSink): Promise<void> {
    const base = new URL(pointUrl.endsWith('/') ? pointUrl : `${pointUrl}/`);
    await this.transfer(new URL(contentPath(sha256), base), this.headers(null), sink);
  }

  private async transfer(
    url: URL,
    baseHeaders: Record<string, string>,
    sink: DownloadSink,
  ): Promise<void> {
    const offset = sink.size;
    const headers: Record<string, string> = { ...baseHeaders };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: 'GET', headers, dispatcher: this.dispatcher });
    } catch (error) {
      throw unreachable(error);
    }
    const { statusCode, body } = response;

    if (statusCode === 416 && offset > 0) {
      // Our partial copy is as long as the file or longer: start again from nothing.
      await body.dump();
      await sink.reset();
      return await this.transfer(url, baseHeaders, sink);
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
   * (other than 408/429) throws: retrying at once would not change it.
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
        await this.holdWake(auth, onWake, signal, () => {
          connected = true;
          onStatus?.({ type: 'connected' });
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
    onConnected: () => void,
  ): Promise<void> {
    const url = new URL(agentPaths.wake(auth.computerId).replace(/^\//, ''), this.base);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: {
          ...this.headers(auth),
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
        },
        dispatcher: this.dispatcher,
        signal,
        bodyTimeout: this.wakeIdleTimeoutMs,
      });
    } catch (error) {
      throw unreachable(error);
    }
    if (response.statusCode !== 200) throw await errorFrom(response);
    onConnected();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for await (const chunk of response.body) {
        for (const event of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) {
          if (event.event === 'checkin') onWake(wakeKindOf(event.data));
        }
      }
    } catch (error) {
      throw unreachable(error);
    }
  }

  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
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
    const response = await this.send(method, path, headers, body);
    return await this.answer(path, response, schema);
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

  private async send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    try {
      return await request(url, { method, headers, body, dispatcher: this.dispatcher });
    } catch (error) {
      throw unreachable(error);
    }
  }

  private headers(auth: AgentCredential | null): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (auth) headers.authorization = `Bearer ${auth.credential}`;
    return headers;
  }
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
