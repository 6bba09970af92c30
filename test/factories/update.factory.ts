import { createHash } from 'node:crypto';
import type { UpdateManifestInput } from '../../src/contracts/manifest.js';
import type { Inventory } from '../../src/contracts/inventory.js';

let sequence = 0;

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function manifestFactory(overrides: Partial<UpdateManifestInput> = {}): UpdateManifestInput {
  sequence += 1;
  return {
    id: `RM-TEST-${String(sequence).padStart(4, '0')}`,
    title: 'Example security fix',
    severity: 'critical',
    classification: 'security',
    platforms: [{ os: 'linux' }],
    files: ['install.sh'],
    detect: { type: 'file', path: '/opt/example/fix' },
    install: { command: 'sh install.sh', timeoutSeconds: 300 },
    uninstall: { command: 'sh uninstall.sh' },
    requires: { freeDiskMB: 50 },
    ...overrides,
  };
}

export function inventoryFactory(overrides: Partial<Inventory> = {}): Inventory {
  sequence += 1;
  return {
    hostname: `host-${sequence}`,
    os: 'linux',
    osVersion: '6.1.0',
    arch: 'x64',
    hardwareId: `hw-${sequence}`,
    freeDiskMB: 10_000,
    agentVersion: '0.1.0',
    ipAddresses: ['192.0.2.10'],
    site: 'tokyo',
    bootTime: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}
