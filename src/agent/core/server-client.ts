import type {
  CheckinInput,
  CheckinResponse,
  EnrollRequest,
  EnrollResponse,
  ReportsRequest,
  ReportsResponse,
} from '../../contracts/agent-protocol.js';
import type {
  ScanReportInput,
  ScanReportResponse,
  ScanRulesResponse,
} from '../../contracts/scan.js';
import type { SignedEnvelope } from '../../contracts/metadata.js';
import type { ContentProblemRequest } from '../../contracts/distribution.js';

/** The computer's identity towards the server, from enrollment. */
export interface AgentCredential {
  computerId: string;
  credential: string;
}

/** Where a download writes: resumes from `size`, restarts after `reset()`. */
export interface DownloadSink {
  readonly size: number;
  append(chunk: Uint8Array): Promise<void>;
  reset(): Promise<void>;
}

/** The agent protocol (contracts/agent-protocol.ts) as the core sees it. */
export interface ServerClient {
  enroll(request: EnrollRequest): Promise<EnrollResponse>;
  /** `unchanged`: the server answered 204, the answer whose `answerTag` was sent stands. */
  checkin(auth: AgentCredential, request: CheckinInput): Promise<CheckinResponse | 'unchanged'>;
  reports(auth: AgentCredential, request: ReportsRequest): Promise<ReportsResponse>;
  /** The detect rules for this computer's platform (absent: this client does not scan). */
  scanRules?(auth: AgentCredential): Promise<ScanRulesResponse>;
  /** Scan findings: the changes since the last acknowledged, or all of them (`full`). */
  scan?(auth: AgentCredential, request: ScanReportInput): Promise<ScanReportResponse>;
  /** One version of the signed root (the agent walks the chain to the newest). */
  root?(version: number): Promise<SignedEnvelope>;
  /** Downloads content by SHA-256 into `sink`, resuming from `sink.size`. */
  download(auth: AgentCredential, sha256: string, sink: DownloadSink): Promise<void>;
  /** The same from a distribution point's URL (absent: this client uses only the server). */
  downloadFromPoint?(pointUrl: string, sha256: string, sink: DownloadSink): Promise<void>;
  /** Tells the server a copy at a distribution point was bad or missing. */
  contentProblem?(auth: AgentCredential, request: ContentProblemRequest): Promise<void>;
  /**
   * Holds the push channel until `signal` aborts, reconnecting with backoff when it
   * drops, and calls `onWake` for every "check in now" (with its kind: `scan` when an
   * admin asked for a scan). Throws only when the server
   * refuses the channel (a 4xx answer): the caller decides when to try again.
   */
  wake?(
    auth: AgentCredential,
    onWake: (kind: WakeKind) => void,
    signal: AbortSignal,
    onStatus?: (status: WakeStatus) => void,
  ): Promise<void>;
}

/** What a wake-up asks: check in, or check in and send a full scan. */
export type WakeKind = 'checkin' | 'scan';

/** How the push channel is doing, for logging. */
export type WakeStatus =
  /** `server`: the one the channel is held on (of the agent's list). */
  { type: 'connected'; server?: string } | { type: 'dropped'; message: string; retryInMs: number };

/**
 * A failed call. `status` is null when the server could not be reached at all (or the
 * connection broke); otherwise it is the HTTP status and `code` the body's `error`.
 * `retryAfterSeconds` is the server's Retry-After (an overloaded server sheds with it).
 */
export class ServerCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ServerCallError';
  }

  get unreachable(): boolean {
    return this.status === null;
  }
}

/** How long the server asked us to stay away, if it did (seconds). */
export function retryAfterOf(error: unknown): number | null {
  return error instanceof ServerCallError ? error.retryAfterSeconds : null;
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof ServerCallError && error.unreachable;
}
