import { describe, expect, it } from 'vitest';
import type { ChildComputerView } from '../contracts/upstream.js';
import { captureOutput, runProgram as run, useFakeApi } from './cli.test-support.js';

const { routes, seen } = useFakeApi();
const io = captureOutput();

const row: ChildComputerView = {
  child: 'tokyo',
  computerId: 'cmp_1',
  hostname: 'tokyo-pc-1',
  updateId: 'KB-1',
  deploymentId: 'dep_1',
  localDeploymentId: 'dep_9',
  state: 'failed',
  reason: 'disk-space',
  message: null,
  updatedAt: '2026-12-05T10:01:52.000Z',
  receivedAt: '2026-12-05T10:01:55.000Z',
};

describe('child status --computers', () => {
  it("lists a child's computers, filtered, with the next page's cursor", async () => {
    routes['GET /api/v1/children/tokyo/computers?deployment=dep_1&state=failed'] = {
      status: 200,
      body: { items: [row], nextCursor: 'abc', total: 7 },
    };
    expect(
      await run(
        'child',
        'status',
        'tokyo',
        '--computers',
        '--deployment',
        'dep_1',
        '--state',
        'failed',
      ),
    ).toBe(0);
    expect(seen[0]?.url).toBe('/api/v1/children/tokyo/computers?deployment=dep_1&state=failed');
    expect(io.out).toMatch(/tokyo +tokyo-pc-1 +KB-1 +dep_1 +failed +disk-space/);
    expect(io.out).toContain('showing 1 of 7');
    expect(io.out).toContain('--cursor abc');
  });

  it('refuses a filter without --computers', async () => {
    expect(await run('child', 'status', 'dep_1', '--state', 'failed')).toBe(2);
    expect(io.err).toContain('--computers');
    expect(seen).toHaveLength(0);
  });
});
