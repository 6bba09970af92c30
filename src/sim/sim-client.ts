import type {
  CheckinInput,
  CheckinResponse,
  EnrollRequest,
  EnrollResponse,
  ReportsRequest,
  ReportsResponse,
} from '../contracts/agent-protocol.js';
import type { ScanReportInput, ScanReportResponse, ScanRulesResponse } from '../contracts/scan.js';
import type { SignedEnvelope } from '../contracts/metadata.js';
import {
  ServerCallError,
  type AgentCredential,
  type DownloadSink,
  type ServerClient,
} from '../agent/core/server-client.js';
import { SimPartial, type SimComputer, type SimContext } from './sim-host.js';

/** What the fleet counts about the calls its computers make. */
export interface CallCounters {
  enrolls: number;
  checkins: number;
  reportCalls: number;
  reports: Record<string, number>;
  downloads: number;
  unreachable: number;
  /** Absences (agent-stopped / server-unreachable) carried by check-ins. */
  absences: number;
  /** Scan-rule fetches, and scan calls (each carries only changed findings, or a full scan). */
  scanRuleFetches?: number;
  scanCalls?: number;
}

/**
 * The real client (real HTTP to the real server) as one simulated computer sees it:
 * a network cut fails at the transport (the core notes the outage and tells it at the
 * next check-in), and downloads move no bytes (a slow one takes virtual time).
 */
export class SimServerClient implements ServerClient {
  constructor(
    private readonly real: ServerClient,
    private readonly computer: SimComputer,
    private readonly ctx: SimContext,
    private readonly counters: CallCounters,
    /** Virtual epoch ms of the simulation's start (fault windows count from it). */
    private readonly startMs: number,
  ) {}

  async enroll(request: EnrollRequest): Promise<EnrollResponse> {
    this.reach();
    const response = await this.real.enroll(request);
    this.counters.enrolls++;
    return response;
  }

  async checkin(
    auth: AgentCredential,
    request: CheckinInput,
  ): Promise<CheckinResponse | 'unchanged'> {
    this.reach();
    const response = await this.real.checkin(auth, request);
    this.ctx.timeline?.checkin(this.computer.index, this.ctx.now());
    this.counters.checkins++;
    this.counters.absences += request.absences?.length ?? 0;
    if (response !== 'unchanged') {
      for (const assignment of response.assignments) this.ctx.index.learn(assignment);
    }
    return response;
  }

  async root(version: number): Promise<SignedEnvelope> {
    this.reach();
    if (!this.real.root) throw new ServerCallError('no root to fetch', 404, 'not-found');
    return await this.real.root(version);
  }

  async reports(auth: AgentCredential, request: ReportsRequest): Promise<ReportsResponse> {
    this.reach();
    const response = await this.real.reports(auth, request);
    this.counters.reportCalls++;
    for (const r of request.reports) {
      if (r.seq <= response.ackedSeq) {
        this.counters.reports[r.state] = (this.counters.reports[r.state] ?? 0) + 1;
        this.ctx.reported?.(this.computer, r.state);
      }
    }
    return response;
  }

  async scanRules(auth: AgentCredential): Promise<ScanRulesResponse> {
    this.reach();
    if (!this.real.scanRules) throw new ServerCallError('no scan on this client', 404, 'not-found');
    const response = await this.real.scanRules(auth);
    this.counters.scanRuleFetches = (this.counters.scanRuleFetches ?? 0) + 1;
    for (const rule of response.rules) this.ctx.index.learnDetect(rule.updateId, rule.detect);
    return response;
  }

  async scan(auth: AgentCredential, request: ScanReportInput): Promise<ScanReportResponse> {
    this.reach();
    if (!this.real.scan) throw new ServerCallError('no scan on this client', 404, 'not-found');
    const response = await this.real.scan(auth, request);
    this.counters.scanCalls = (this.counters.scanCalls ?? 0) + 1;
    return response;
  }

  async download(_auth: AgentCredential, sha256: string, sink: DownloadSink): Promise<void> {
    this.reach();
    const slow = this.computer.faults?.slowDownload;
    if (slow) await this.ctx.sleep(slow.extraSeconds * 1000);
    this.reach();
    const size = this.ctx.index.size(sha256);
    if (size === undefined)
      throw new ServerCallError(`unknown content ${sha256}`, 404, 'not-found');
    if (sink instanceof SimPartial) sink.complete(size);
    else await sink.append(new Uint8Array(Math.max(0, size - sink.size)));
    this.counters.downloads++;
  }

  /** Throws as undici would while this computer's network is cut. */
  private reach(): void {
    const cut = this.computer.faults?.serverUnreachable;
    if (!cut) return;
    const now = this.ctx.now();
    const seconds = (now - this.startMs) / 1000;
    if (seconds >= cut.from && seconds < cut.to) {
      this.counters.unreachable++;
      throw new ServerCallError(
        'server unreachable: connect ECONNREFUSED (simulated network cut)',
        null,
        'ECONNREFUSED',
      );
    }
  }
}
