import { createHash } from 'node:crypto';
import type {
  DiscrepancyView,
  RequestScanRequest,
  RequestScanResponse,
  ScanReportRequest,
  ScanReportResponse,
  ScanRulesResponse,
  ScanView,
} from '../../contracts/scan.js';
import type { Clock } from '../../domain/clock.js';
import { applies, isDiscrepancy, lastSeenAt, type ComputerPlatform } from '../../domain/scan.js';
import type { ComputerRecord } from '../../store/computer.repository.js';
import type { DisagreementRecord, ScanRepository } from '../../store/scan.repository.js';
import type { UpdateRecord, UpdateRepository } from '../../store/update.repository.js';
import type { WakeService } from '../notify/wake.service.js';
import type { ComputerService } from './computer.service.js';
import type { GroupService } from './group.service.js';

/** How long (server clock) a replica keeps its view of the catalog before reading it again. */
const CATALOG_REFRESH_MS = 5_000;

type RuleSet = ScanRulesResponse;

/**
 * The server's side of the scan: the detect rules an agent evaluates (versioned, so a
 * check-in carries only the version), the findings it reports (only changes are written),
 * discrepancies, and scans asked for by an admin over the push channel.
 */
export class ScanService {
  private catalog: { readAt: number; updates: UpdateRecord[] } | null = null;
  private readonly byPlatform = new Map<string, RuleSet>();

  constructor(
    private readonly scans: ScanRepository,
    private readonly updates: Pick<UpdateRepository, 'all'>,
    private readonly computers: Pick<ComputerService, 'resolve'>,
    private readonly groups: Pick<GroupService, 'show'>,
    private readonly wake: Pick<WakeService, 'wakeComputers'>,
    private readonly clock: Clock,
  ) {}

  /** Every catalog update; read again at most every few seconds (updates are only added). */
  async catalogUpdates(): Promise<UpdateRecord[]> {
    const now = this.clock.now();
    if (this.catalog === null || now - this.catalog.readAt >= CATALOG_REFRESH_MS) {
      const updates = await this.updates.all();
      if (this.catalog?.updates.length !== updates.length) this.byPlatform.clear();
      this.catalog = { readAt: now, updates };
    }
    return this.catalog.updates;
  }

  /** The rules for a platform, with their version (a hash of the update ids and contents). */
  async rulesFor(computer: ComputerPlatform): Promise<RuleSet> {
    const updates = await this.catalogUpdates();
    const key = `${computer.os}\u0000${computer.arch}`;
    const known = this.byPlatform.get(key);
    if (known) return known;
    const rules = updates
      .filter((u) => applies(u.manifest.platforms, computer))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((u) => ({ updateId: u.id, detect: u.manifest.detect, platforms: u.manifest.platforms }));
    const hash = createHash('sha256');
    for (const r of rules) hash.update(`${r.updateId}\u0000${JSON.stringify(r.detect)}\n`);
    const set = { version: hash.digest('hex').slice(0, 16), rules };
    this.byPlatform.set(key, set);
    return set;
  }

  async rulesVersion(computer: ComputerPlatform): Promise<string> {
    return (await this.rulesFor(computer)).version;
  }

  /** Findings from the agent; a finding about an update the catalog does not hold is ignored. */
  async report(computerId: string, request: ScanReportRequest): Promise<ScanReportResponse> {
    const known = new Set((await this.catalogUpdates()).map((u) => u.id));
    let findings = request.findings.filter((f) => known.has(f.updateId));
    if (findings.length < request.findings.length) {
      // An update imported on another replica a moment ago: read the catalog now.
      this.catalog = null;
      const fresh = new Set((await this.catalogUpdates()).map((u) => u.id));
      findings = request.findings.filter((f) => fresh.has(f.updateId));
    }
    const stored = await this.scans.apply(
      computerId,
      findings,
      Date.parse(request.scannedAt),
      request.full,
    );
    return { stored };
  }

  /** What the scan found on one computer, and where it disagrees with the statuses. */
  async ofComputer(
    computer: Pick<ComputerRecord, 'id' | 'scannedAt'>,
  ): Promise<{ scans: ScanView[]; discrepancies: DiscrepancyView[] }> {
    const scannedAt = computer.scannedAt ?? null;
    const rows = await this.scans.forComputer(computer.id);
    return {
      scans: rows.map((r) => ({
        updateId: r.updateId,
        result: r.result,
        message: r.message,
        detectedAt: iso(lastSeenAt(r, scannedAt)),
        changedAt: iso(r.changedAt),
      })),
      discrepancies: await this.discrepancies({ computerId: computer.id }),
    };
  }

  async discrepancies(
    filter: { computerId?: string; deploymentId?: string } = {},
  ): Promise<DiscrepancyView[]> {
    const rows = await this.scans.disagreements(filter);
    return rows.flatMap((r) => {
      const seen = { ...r.scan, detectedAt: lastSeenAt(r.scan, r.computerScannedAt) };
      const status = { deploymentId: r.deploymentId, state: r.status, updatedAt: r.statusAt };
      return isDiscrepancy(status, seen) ? [toDiscrepancyView(r, seen.detectedAt)] : [];
    });
  }

  /** Wakes the computers over the push channel with "scan now"; the others scan at their next check-in. */
  async request(body: RequestScanRequest, actor: string): Promise<RequestScanResponse> {
    const ids =
      body.computer !== undefined
        ? [(await this.computers.resolve(body.computer)).id]
        : (await this.groups.show(body.group ?? '')).members.map((m) => m.id);
    await this.wake.wakeComputers(ids, `scan asked for by ${actor}`, 'scan');
    return { computers: ids.length };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function toDiscrepancyView(r: DisagreementRecord, detectedAt: number): DiscrepancyView {
  return {
    computerId: r.computerId,
    hostname: r.hostname,
    updateId: r.updateId,
    deploymentId: r.deploymentId,
    status: r.status,
    statusAt: iso(r.statusAt),
    scan: r.scan.result,
    scanChangedAt: iso(r.scan.changedAt),
    scanDetectedAt: iso(detectedAt),
  };
}
