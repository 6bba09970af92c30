import { beforeEach, describe, expect, it } from 'vitest';
import type { InstalledPackage } from '../../domain/packages/detect-rules.js';
import type { PackageList } from './host.js';
import {
  FakeHost,
  FakeServer,
  makeAssignment,
  PAYLOAD,
  sha,
  fakeCore,
} from '../agent-core.test-support.js';

/** A host with a dpkg database held in memory. */
class DpkgHost extends FakeHost {
  installed: InstalledPackage[] = [{ name: 'openssl', version: '3.0.11-1~deb12u2', arch: 'amd64' }];
  queries = 0;
  packages(name?: string): Promise<PackageList | null> {
    this.queries += 1;
    const packages = this.installed.filter((p) => name === undefined || p.name === name);
    const hash = sha(Buffer.from(JSON.stringify(packages))).padEnd(64, '0');
    return Promise.resolve({ manager: 'dpkg', packages, hash });
  }
}

describe('AgentCore and the package database', () => {
  let host: DpkgHost;
  let server: FakeServer;
  let clock: number;
  const core = () => fakeCore(host, server, () => new Date((clock += 1000)));

  beforeEach(() => {
    host = new DpkgHost();
    server = new FakeServer();
    server.content.set(sha(PAYLOAD), PAYLOAD);
    clock = Date.parse('2025-06-01T00:00:00Z');
  });

  it('sends the list only when it changed, and again when the server asks', async () => {
    await core().runCycle();
    await core().runCycle();
    const [first, second] = server.checkins.map((c) => c.packages);
    expect(first).toMatchObject({ manager: 'dpkg', items: host.installed });
    expect(second).toEqual({ manager: 'dpkg', hash: first?.hash });

    host.installed = [{ name: 'openssl', version: '3.0.16-1', arch: 'amd64' }];
    await core().runCycle();
    expect(server.checkins.at(-1)?.packages?.items).toEqual(host.installed);
    expect(server.checkins.at(-1)?.packages?.hash).not.toBe(first?.hash);

    server.tamper = (answer) => ({ ...answer, sendPackages: true });
    await core().runCycle();
    server.tamper = (answer) => answer;
    expect(server.checkins.at(-1)?.packages?.items).toBeUndefined();
    await core().runCycle();
    expect(server.checkins.at(-1)?.packages?.items).toEqual(host.installed);
  });

  it('keeps the list to send when the check-in fails', async () => {
    await core().runCycle();
    host.installed = [];
    server.down = true;
    await core().runCycle();
    server.down = false;
    await core().runCycle();
    expect(server.checkins.map((c) => c.packages?.items?.length)).toEqual([1, 0, 0]);
  });

  it('detects by package and version, and applies only where the package is installed', async () => {
    let runs = 0;
    host.commands.set('sh setup.sh', () => {
      runs += 1;
      host.installed = [{ name: 'openssl', version: '3.0.15-1', arch: 'amd64' }];
      return { exitCode: 0 };
    });
    const fix = {
      detect: { type: 'package' as const, name: 'openssl', version: '>= 3.0.15' },
      applicableIf: [{ type: 'package' as const, name: 'openssl' }],
    };
    server.assignments = [makeAssignment(fix)];
    await core().runCycle();
    expect(runs).toBe(1);
    expect(server.applied.at(-1)).toMatchObject({ state: 'installed', exitCode: 0 });

    // Installed now: a second assignment runs nothing.
    server.assignments = [makeAssignment(fix, { deploymentId: 'd-2' })];
    await core().runCycle();
    expect(runs).toBe(1);
    expect(server.applied.at(-1)).toMatchObject({
      state: 'installed',
      message: 'already installed',
    });

    // A computer without openssl: not applicable, nothing run.
    host.installed = [];
    server.assignments = [makeAssignment(fix, { deploymentId: 'd-3' })];
    await core().runCycle();
    expect(runs).toBe(1);
    expect(server.applied.at(-1)).toMatchObject({
      state: 'not-applicable',
      message: 'applies only where package openssl holds',
    });
  });

  it('says so when a package rule meets a computer without a package database', async () => {
    const plain = new FakeHost();
    host = plain as DpkgHost;
    server.assignments = [makeAssignment({ detect: { type: 'package', name: 'openssl' } })];
    await fakeCore(plain, server, () => new Date((clock += 1000))).runCycle();
    expect(server.applied.at(-1)).toMatchObject({
      state: 'failed',
      reason: 'detect-error',
      message: 'this computer has no dpkg or rpm package database',
    });
  });
});
