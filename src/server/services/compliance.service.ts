import type { ComplianceReport, ComplianceRow } from '../../contracts/scan.js';
import type { Clock } from '../../domain/clock.js';
import {
  applies,
  complianceOf,
  emptyCompliance,
  type ComplianceCounts,
  type ScanResult,
} from '../../domain/scan.js';
import type { StatusState } from '../../domain/status.js';
import type { ComputerRepository } from '../../store/computer.repository.js';
import type { GroupRepository } from '../../store/group.repository.js';
import type { ScanRepository } from '../../store/scan.repository.js';
import type { ScanService } from './scan.service.js';

type By = ComplianceReport['by'];

/**
 * Compliance from the scan: each computer × catalog update in one state (see
 * domain/scan.ts and docs/concepts.md), counted by update, by group or by computer.
 * Reads the fleet's scan and statuses in full: sized for reports, not for check-ins.
 */
export class ComplianceService {
  constructor(
    private readonly scans: Pick<ScanRepository, 'all' | 'statusFacts'>,
    private readonly computers: Pick<ComputerRepository, 'list'>,
    private readonly groups: Pick<GroupRepository, 'list' | 'members'>,
    private readonly catalog: Pick<ScanService, 'catalogUpdates'>,
    private readonly clock: Clock,
  ) {}

  async report(by: By): Promise<ComplianceReport> {
    const [updates, computers, scanRows, statusRows] = [
      await this.catalog.catalogUpdates(),
      await this.computers.list(),
      await this.scans.all(),
      await this.scans.statusFacts(),
    ];
    const scan = new Map<string, ScanResult>();
    for (const r of scanRows) scan.set(`${r.computerId}\u0000${r.updateId}`, r.result);
    const status = new Map<string, StatusState>();
    for (const r of statusRows) status.set(`${r.computerId}\u0000${r.updateId}`, r.state);

    const byUpdate = new Map<string, ComplianceCounts>(
      updates.map((u) => [u.id, emptyCompliance()]),
    );
    const byComputer = new Map<string, ComplianceCounts>();
    for (const c of computers) {
      const counts = emptyCompliance();
      for (const u of updates) {
        const key = `${c.id}\u0000${u.id}`;
        const state = complianceOf(
          applies(u.manifest.platforms, c),
          scan.has(key) ? { result: scan.get(key) as ScanResult } : undefined,
          status.get(key) ?? null,
        );
        counts[state] += 1;
        (byUpdate.get(u.id) as ComplianceCounts)[state] += 1;
      }
      byComputer.set(c.id, counts);
    }

    let rows: ComplianceRow[];
    if (by === 'update') {
      rows = [...byUpdate].map(([key, counts]) => ({ key, computerId: null, ...counts }));
    } else if (by === 'computer') {
      rows = computers.map((c) => ({
        key: c.hostname,
        computerId: c.id,
        ...(byComputer.get(c.id) as ComplianceCounts),
      }));
    } else {
      rows = [];
      for (const g of await this.groups.list()) {
        const counts = emptyCompliance();
        for (const m of await this.groups.members(g.id)) {
          const own = byComputer.get(m.id);
          if (!own) continue;
          for (const k of Object.keys(counts) as (keyof ComplianceCounts)[]) counts[k] += own[k];
        }
        rows.push({ key: g.name, computerId: null, ...counts });
      }
    }
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { by, generatedAt: new Date(this.clock.now()).toISOString(), rows };
  }
}
