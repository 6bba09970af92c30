import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckinInput } from '../../contracts/agent-protocol.js';
import type { ScanReportInput, ScanRule } from '../../contracts/scan.js';
import { FakeHost, FakeServer, fakeCore } from '../agent-core.test-support.js';

/** A fake server with the scan: rules by version, findings kept as the server would. */
class ScanServer extends FakeServer {
  version = 'v1';
  rules: ScanRule[] = [];
  ruleFetches = 0;
  scans: ScanReportInput[] = [];
  failScan = false;

  override checkin(auth: unknown, request: CheckinInput) {
    return super
      .checkin(auth, request)
      .then((answer) =>
        answer === 'unchanged' ? answer : { ...answer, scanRulesVersion: this.version },
      );
  }
  scanRules() {
    this.ruleFetches += 1;
    return Promise.resolve({ version: this.version, rules: this.rules });
  }
  scan(_auth: unknown, request: ScanReportInput) {
    if (this.failScan) return Promise.reject(new Error('server unreachable'));
    this.scans.push(request);
    return Promise.resolve({ stored: request.findings.length });
  }
}

const fileRule = (
  updateId: string,
  path: string,
  os: ScanRule['platforms'][number]['os'] = 'linux',
): ScanRule => ({
  updateId,
  detect: { type: 'file', path },
  platforms: [{ os }],
});

describe('the scan in the agent core', () => {
  let host: FakeHost;
  let server: ScanServer;
  let clock: number;
  const core = () => fakeCore(host, server, () => new Date((clock += 1000)));
  const sent = () => server.scans.map((s) => s.findings.map((f) => `${f.updateId}=${f.result}`));

  beforeEach(() => {
    host = new FakeHost();
    server = new ScanServer();
    clock = Date.parse('2026-12-01T00:00:00Z');
    server.rules = [
      fileRule('app-1', '/opt/app-1'),
      fileRule('app-2', '/opt/app-2'),
      fileRule('win-1', 'C:/win-1', 'windows'),
    ];
    host.files.set('/opt/app-1', 'here');
  });

  it('sends every finding first, then only what changed; an unchanged scan sends nothing', async () => {
    await core().runCycle();
    expect(sent()).toEqual([['app-1=found', 'app-2=not-found']]);

    await core().runCycle();
    expect(server.scans).toHaveLength(1);

    host.files.delete('/opt/app-1');
    await core().runCycle();
    expect(sent()[1]).toEqual(['app-1=not-found']);
  });

  it('fetches the rules only when the check-in names another version', async () => {
    await core().runCycle();
    await core().runCycle();
    expect(server.ruleFetches).toBe(1);
    server.version = 'v2';
    server.rules = [...server.rules, fileRule('app-3', '/opt/app-3')];
    await core().runCycle();
    expect(server.ruleFetches).toBe(2);
    expect(sent()[1]).toEqual(['app-3=not-found']);
  });

  it('tells the time of the last acknowledged scan at the next check-in', async () => {
    await core().runCycle();
    expect(server.checkins[0]?.scannedAt).toBeUndefined();
    await core().runCycle();
    expect(server.checkins[1]?.scannedAt).toBe(server.scans[0]?.scannedAt);
  });

  it('sends again what the server did not acknowledge', async () => {
    server.failScan = true;
    await core().runCycle();
    expect(server.scans).toHaveLength(0);
    server.failScan = false;
    await core().runCycle();
    expect(sent()).toEqual([['app-1=found', 'app-2=not-found']]);
  });

  it('sends every finding when an admin asked for a scan', async () => {
    await core().runCycle();
    const agent = core();
    agent.requestScan();
    await agent.runCycle();
    expect(server.scans[1]).toMatchObject({ full: true });
    expect(sent()[1]).toEqual(['app-1=found', 'app-2=not-found']);
  });

  it('tells a detect rule that cannot tell as an error', async () => {
    server.rules = [
      {
        updateId: 'slow',
        detect: { type: 'command', command: 'check-slow', timeoutSeconds: 5 },
        platforms: [{ os: 'linux' }],
      },
    ];
    host.commands.set('check-slow', () => ({ exitCode: null, timedOut: true }));
    await core().runCycle();
    expect(server.scans[0]?.findings).toEqual([
      { updateId: 'slow', result: 'error', message: 'detect command timed out after 5s' },
    ]);
  });
});
