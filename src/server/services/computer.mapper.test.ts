import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../contracts/inventory.js';
import { inventoryChanged } from './computer.mapper.js';

const base: Inventory = {
  hostname: 'pc-1',
  os: 'linux',
  osVersion: '6.1',
  arch: 'x64',
  hardwareId: 'hw-1',
  freeDiskMB: 1000,
  agentVersion: '0.1.0',
  ipAddresses: ['192.0.2.1', 'fe80::1'],
  site: 'tokyo',
  bootTime: '2026-11-01T00:00:00.000Z',
};

describe('inventoryChanged', () => {
  it('ignores what no group query looks at: free disk and boot time', () => {
    expect(inventoryChanged(base, { ...base })).toBe(false);
    expect(
      inventoryChanged(base, { ...base, freeDiskMB: 5, bootTime: '2026-12-01T00:00:00.000Z' }),
    ).toBe(false);
  });

  it('sees a changed field or a changed ip list, its order included', () => {
    expect(inventoryChanged(base, { ...base, site: null })).toBe(true);
    expect(inventoryChanged(base, { ...base, ipAddresses: ['192.0.2.1'] })).toBe(true);
    expect(inventoryChanged(base, { ...base, ipAddresses: ['fe80::1', '192.0.2.1'] })).toBe(true);
    expect(inventoryChanged(base, { ...base, ipAddresses: ['192.0.2.1', 'fe80::1'] })).toBe(false);
  });
});
