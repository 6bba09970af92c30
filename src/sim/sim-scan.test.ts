import { describe, expect, it } from 'vitest';
import { runScan } from '../agent/core/scan.js';
import type { ScanReportInput } from '../contracts/scan.js';
import { ManifestIndex, SimComputer, SimHost, type SimContext } from './sim-host.js';

describe('the scan on a simulated computer', () => {
  it('answers each detect rule from what the computer really has installed', async () => {
    const index = new ManifestIndex();
    const ctx: SimContext = {
      index,
      now: () => Date.parse('2026-12-01T00:00:00Z'),
      sleep: () => Promise.resolve(),
      installMs: () => 0,
      approvalMs: () => 0,
      agentVersion: 'sim',
    };
    const computer = new SimComputer(0, 'sim-0', 'hw-0', null, 10_000, null, 0, 1);
    computer.installed = new Set(['by-file']);
    const host = new SimHost(computer, ctx);
    const rules = [
      { updateId: 'by-file', detect: { type: 'file' as const, path: '/opt/a' }, platforms: [] },
      {
        updateId: 'by-command',
        detect: { type: 'command' as const, command: 'check-b', timeoutSeconds: 5 },
        platforms: [],
      },
    ].map((r) => ({ ...r, platforms: [{ os: 'linux' as const }] }));
    // The simulated client learns the rules as it fetches them (see sim-client.ts).
    for (const r of rules) index.learnDetect(r.updateId, r.detect);
    const sent: ScanReportInput[] = [];
    const client = {
      enroll: () => Promise.reject(new Error('unused')),
      checkin: () => Promise.reject(new Error('unused')),
      reports: () => Promise.reject(new Error('unused')),
      download: () => Promise.reject(new Error('unused')),
      scanRules: () => Promise.resolve({ version: 'v1', rules }),
      scan: (_auth: unknown, request: ScanReportInput) => {
        sent.push(request);
        return Promise.resolve({ stored: request.findings.length });
      },
    };
    const scan = () =>
      runScan({
        host,
        client,
        auth: { computerId: 'c-0', credential: 'x' },
        inventory: simInventory(),
        version: 'v1',
        full: false,
        busy: new Set(),
        now: () => new Date(ctx.now()),
      });
    await scan();
    expect(sent[0]?.findings).toEqual([
      { updateId: 'by-file', result: 'found', message: null },
      { updateId: 'by-command', result: 'not-found', message: null },
    ]);
    // Removed behind the deployment's back: the next scan says so.
    computer.installed.delete('by-file');
    computer.installed.add('by-command');
    await scan();
    expect(sent[1]?.findings.map((f) => `${f.updateId}=${f.result}`)).toEqual([
      'by-file=not-found',
      'by-command=found',
    ]);
  });
});

/** The simulated inventory is fixed (linux, x86_64). */
function simInventory() {
  return {
    hostname: 'sim-0',
    os: 'linux',
    osVersion: '22.04',
    arch: 'x86_64',
    hardwareId: 'hw-0',
    freeDiskMB: 10_000,
    agentVersion: 'sim',
    ipAddresses: [],
    site: null,
    bootTime: null,
  };
}
