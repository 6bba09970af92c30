import type { DiscrepancyView, ScanView } from '../contracts/scan.js';
import { formatTime, orDash, print, printTable } from './output.js';

/** What the scan found on a computer, one line per update. */
export function printScans(scans: readonly ScanView[]): void {
  printTable(
    ['UPDATE', 'SCAN', 'SINCE', 'LAST SEEN', 'MESSAGE'],
    scans.map((s) => [
      s.updateId,
      s.result,
      formatTime(s.changedAt),
      formatTime(s.detectedAt),
      orDash(s.message),
    ]),
    '(not scanned yet)',
  );
}

/** Statuses and scans that disagree, with both facts and their times. */
export function printDiscrepancies(list: readonly DiscrepancyView[], withComputer = true): void {
  const head = withComputer ? ['COMPUTER'] : [];
  printTable(
    [...head, 'UPDATE', 'STATUS', 'STATUS AT', 'SCAN', 'SCAN SINCE', 'LAST SEEN', 'DEPLOYMENT'],
    list.map((d) => [
      ...(withComputer ? [d.hostname] : []),
      d.updateId,
      d.status,
      formatTime(d.statusAt),
      d.scan,
      formatTime(d.scanChangedAt),
      formatTime(d.scanDetectedAt),
      orDash(d.deploymentId),
    ]),
    'No discrepancies.',
  );
}

/** The scan part of `computer show`. */
export function printComputerScan(c: {
  scans?: readonly ScanView[];
  discrepancies?: readonly DiscrepancyView[];
}): void {
  if (c.scans === undefined) return;
  print();
  print('Scan (what is really installed):');
  printScans(c.scans);
  if (c.discrepancies && c.discrepancies.length > 0) {
    print();
    print('Discrepancies (status says installed, the scan does not find it):');
    printDiscrepancies(c.discrepancies, false);
  }
}
