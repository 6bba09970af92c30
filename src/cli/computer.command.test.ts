import { describe, expect, it } from 'vitest';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';
import { formatAbsence, formatHealth } from './computer.command.js';

const { routes } = useFakeApi();
const io = captureOutput();

const absence = {
  kind: 'agent-stopped',
  from: '2026-11-25T08:00:00.000Z',
  to: '2026-11-25T10:00:00.000Z',
  detail: 'service stopped by user',
} as const;

const computer = {
  id: 'c1',
  hostname: 'pc-1',
  os: 'linux',
  osVersion: '6.8',
  arch: 'x64',
  hardwareId: 'hw-1',
  freeDiskMB: 2048,
  agentVersion: '0.1.0',
  ipAddresses: ['10.0.0.1'],
  site: 'tokyo',
  reportedSite: null,
  siteSource: 'subnet rule 10.0.0.0/8',
  seenAddress: '10.0.0.1',
  bootTime: '2026-11-20T00:00:00.000Z',
  groups: ['tokyo'],
  enrolledAt: '2026-11-01T00:00:00.000Z',
  lastSeenAt: '2026-11-25T10:00:00.000Z',
  health: { state: 'offline', since: '2026-11-25T10:00:00.000Z' },
  lastAbsence: absence,
  reimagedAt: '2026-11-10T00:00:00.000Z',
  reimageCount: 1,
  revokedAt: null,
  revokedBy: null,
};

describe('computer health', () => {
  it('formats health and the last absence', () => {
    expect(formatHealth({ state: 'online', since: '2026-11-25T10:00:00.000Z' })).toBe('online');
    expect(formatHealth({ state: 'offline', since: '2026-11-25T10:00:00.000Z' })).toBe(
      'offline since 2026-11-25 10:00:00Z',
    );
    expect(formatHealth({ state: 'never-seen', since: null })).toBe('never-seen');
    expect(formatAbsence(absence)).toBe('agent-stopped 2026-11-25 08:00:00Z for 2h');
    expect(formatAbsence(null)).toBe('-');
  });

  it('computer list has HEALTH and LAST ABSENCE columns', async () => {
    routes['GET /api/v1/computers'] = {
      status: 200,
      body: { items: [computer], nextCursor: null, total: 1 },
    };
    expect(await run('computer', 'list')).toBe(0);
    expect(io.out).toMatch(/GROUPS\s+HEALTH\s+LAST SEEN\s+LAST ABSENCE\s+ID/);
    expect(io.out).toMatch(
      /tokyo\s+offline since 2026-11-25 10:00:00Z\s+2026-11-25 10:00:00Z\s+agent-stopped 2026-11-25 08:00:00Z for 2h\s+c1/,
    );
  });

  it('computer show prints health, re-image and recent absences', async () => {
    routes['GET /api/v1/computers/pc-1'] = {
      status: 200,
      body: { ...computer, statuses: [], absences: [absence], reimageRequests: [] },
    };
    expect(await run('computer', 'show', 'pc-1')).toBe(0);
    expect(io.out).toMatch(/Site: +tokyo \(from subnet rule 10\.0\.0\.0\/8\)/);
    expect(io.out).toMatch(/Seen at: +10\.0\.0\.1/);
    expect(io.out).toMatch(/Health: +offline since 2026-11-25 10:00:00Z/);
    expect(io.out).toMatch(/Re-imaged: +1 time\(s\), last 2026-11-10 00:00:00Z/);
    expect(io.out).toMatch(/Recent absences:\nKIND\s+FROM\s+TO\s+FOR\s+DETAIL\n/);
    expect(io.out).toMatch(
      /agent-stopped\s+2026-11-25 08:00:00Z\s+2026-11-25 10:00:00Z\s+2h\s+service stopped by user/,
    );
  });
});

describe('revocation and re-images', () => {
  const request = {
    id: 'rim_1',
    computerId: 'c1',
    hostname: 'pc-1',
    hardwareId: 'hw-1',
    enrollmentId: 'enr_1',
    state: 'approved',
    requestedAt: '2026-12-02T10:00:00.000Z',
    decidedAt: '2026-12-02T11:00:00.000Z',
    decidedBy: 'first admin',
  } as const;

  it('computer revoke says whose credential was revoked, when and by whom', async () => {
    routes['POST /api/v1/computers/pc-1/revoke'] = {
      status: 200,
      body: { ...computer, revokedAt: '2026-12-02T15:00:00.000Z', revokedBy: 'first admin' },
    };
    expect(await run('computer', 'revoke', 'pc-1')).toBe(0);
    expect(io.out).toBe('Credential of pc-1 (c1) revoked (2026-12-02 15:00:00Z by first admin).\n');
  });

  it('computer reimage approve and list show the decision', async () => {
    routes['POST /api/v1/reimage-requests/rim_1/approve'] = { status: 200, body: request };
    expect(await run('computer', 'reimage', 'approve', 'rim_1')).toBe(0);
    expect(io.out).toBe('Re-image rim_1 of pc-1 (c1) approved.\n');
    io.out = '';
    routes['GET /api/v1/reimage-requests'] = {
      status: 200,
      body: { items: [request], nextCursor: null, total: 1 },
    };
    expect(await run('computer', 'reimage', 'list')).toBe(0);
    expect(io.out).toMatch(
      /rim_1\s+c1\s+pc-1\s+approved\s+2026-12-02 10:00:00Z\s+first admin\s+enr_1/,
    );
  });

  it('computer show lists its re-image requests and whether it is revoked', async () => {
    routes['GET /api/v1/computers/pc-1'] = {
      status: 200,
      body: { ...computer, statuses: [], absences: [], reimageRequests: [request] },
    };
    expect(await run('computer', 'show', 'pc-1')).toBe(0);
    expect(io.out).toMatch(/Revoked: +-/);
    expect(io.out).toMatch(/Re-image requests:\nID\s+COMPUTER/);
  });

  it('enrollment list shows revoked tokens with who and when', async () => {
    routes['GET /api/v1/enrollments'] = {
      status: 200,
      body: {
        nextCursor: null,
        total: 1,
        items: [
          {
            id: 'enr_1',
            group: null,
            expiresAt: null,
            usesLeft: null,
            uses: 3,
            createdAt: '2026-12-01T00:00:00.000Z',
            revokedAt: '2026-12-02T15:00:00.000Z',
            revokedBy: 'first admin',
          },
        ],
      },
    };
    expect(await run('enrollment', 'list')).toBe(0);
    expect(io.out).toMatch(/REVOKED\n/);
    expect(io.out).toMatch(/enr_1\s+.*2026-12-02 15:00:00Z by first admin/);
  });
});
