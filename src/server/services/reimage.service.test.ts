import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../contracts/inventory.js';
import type { ReimageRequestRecord } from '../../store/reimage.repository.js';
import { approveReimage } from './reimage.service.js';

type Repos = Parameters<typeof approveReimage>[0];

const inventory: Inventory = {
  hostname: 'pc-1',
  os: 'linux',
  osVersion: '6.1',
  arch: 'x64',
  hardwareId: 'hw-1',
  freeDiskMB: 1000,
  agentVersion: '0.1.0',
  ipAddresses: ['192.0.2.1'],
  site: null,
  bootTime: '2026-11-01T00:00:00.000Z',
};

const request: ReimageRequestRecord = {
  id: 'rim_1',
  computerId: 'cmp_1',
  nonceHash: 'nonce-hash',
  enrollmentId: 'enr_1',
  credentialHash: 'new-credential',
  inventory,
  state: 'pending',
  requestedAt: 1_000,
  decidedAt: null,
  decidedBy: null,
};

/** Repositories that write down what they are told to do, in order. */
function recordingRepos(statusCount: number): { repos: Repos; done: string[]; details: string[] } {
  const done: string[] = [];
  const details: string[] = [];
  const repos = {
    reimages: { decide: () => Promise.resolve(true) },
    computers: {
      find: (id: string) => Promise.resolve({ id, lastSeenAt: 500 }),
      reimage: (id: string, credential: string) => {
        done.push(`reimage ${id} ${credential}`);
        return Promise.resolve();
      },
    },
    statuses: {
      deleteForComputer: (id: string) => {
        done.push(`delete statuses of ${id}`);
        return Promise.resolve(statusCount);
      },
    },
    absences: {
      add: (absences: { detail: string }[]) => {
        details.push(...absences.map((a) => a.detail));
        return Promise.resolve();
      },
    },
    enrollments: { find: () => Promise.resolve(undefined) },
    groups: { addMembers: () => Promise.resolve() },
  };
  // The fakes have only the methods approveReimage calls.
  return { repos: repos as unknown as Repos, done, details };
}

describe('approveReimage', () => {
  it('decides that a re-imaged computer loses its statuses, and says how many went', async () => {
    const { repos, done, details } = recordingRepos(3);
    await approveReimage(repos, request, 'admin', 2_000);
    expect(done).toEqual(['reimage cmp_1 new-credential', 'delete statuses of cmp_1']);
    expect(details).toEqual([
      're-image rim_1 approved by admin; 3 status(es) cleared, its updates are gone',
    ]);
  });
});
