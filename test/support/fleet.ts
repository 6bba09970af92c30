import type { Inventory } from '../../src/contracts/inventory.js';
import type { UpdateManifestInput } from '../../src/contracts/manifest.js';
import { inventoryFactory, sha256 } from '../factories/update.factory.js';
import type { TestServer } from './test-server.js';

/** Drives the in-process API as an admin and as agents would, for engine tests. */
export function fleetDriver(server: TestServer, now: () => number = () => Date.now()) {
  const admin = async <T = unknown>(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
  ) => {
    const res = await server.app.inject({
      method,
      url,
      headers: server.adminHeaders,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: res.json<T>() };
  };

  async function importUpdate(manifest: UpdateManifestInput, content = 'echo ok\n') {
    const files = [
      { path: 'install.sh', sha256: sha256(content), size: Buffer.byteLength(content) },
    ];
    await server.app.inject({
      method: 'PUT',
      url: `/api/v1/content/${sha256(content)}`,
      headers: { ...server.adminHeaders, 'content-type': 'application/octet-stream' },
      payload: content,
    });
    return admin('POST', '/api/v1/updates', { manifest, files });
  }

  type Computer = { computerId: string; credential: string; inventory: Inventory; seq: number };

  /** `inventoryOf` sets what differs per computer (its site, OS version, ...). */
  async function enroll(
    count: number,
    group: string,
    prefix: string,
    inventoryOf: (i: number) => Partial<Inventory> = () => ({}),
  ): Promise<Computer[]> {
    const token = await admin<{ token: string }>('POST', '/api/v1/enrollments', { group });
    const out: Computer[] = [];
    for (let i = 0; i < count; i += 1) {
      const inventory = inventoryFactory({
        hostname: `${prefix}-${String(i).padStart(3, '0')}`,
        ...inventoryOf(i),
      });
      const res = await server.app.inject({
        method: 'POST',
        url: '/agent/v1/enroll',
        payload: { enrollmentToken: token.body.token, inventory },
      });
      out.push({ ...res.json<{ computerId: string; credential: string }>(), inventory, seq: 0 });
    }
    return out;
  }

  async function checkin(c: Computer) {
    const res = await server.app.inject({
      method: 'POST',
      url: `/agent/v1/computers/${c.computerId}/checkin`,
      headers: { authorization: `Bearer ${c.credential}` },
      payload: { inventory: c.inventory },
    });
    return res.json<{
      assignments: { updateId: string; deploymentId: string; action: string }[];
    }>();
  }

  async function report(
    c: Computer,
    updateId: string,
    deploymentId: string,
    state: string,
    extra: object = {},
  ) {
    c.seq += 1;
    const res = await server.app.inject({
      method: 'POST',
      url: `/agent/v1/computers/${c.computerId}/reports`,
      headers: { authorization: `Bearer ${c.credential}` },
      payload: {
        reports: [
          {
            seq: c.seq,
            updateId,
            deploymentId,
            state,
            at: new Date(now()).toISOString(),
            ...extra,
          },
        ],
      },
    });
    if (res.statusCode !== 200) throw new Error(res.body);
  }

  /** Every computer checks in and does what it is told: `outcome` decides each install. */
  async function cycle(
    computers: Computer[],
    outcome: (c: Computer, updateId: string) => 'installed' | 'failed',
  ) {
    const ran: string[] = [];
    for (const c of computers) {
      for (const a of (await checkin(c)).assignments) {
        ran.push(c.computerId);
        if (a.action === 'uninstall') {
          await report(c, a.updateId, a.deploymentId, 'uninstalled');
          continue;
        }
        await report(c, a.updateId, a.deploymentId, 'installing');
        const result = outcome(c, a.updateId);
        await report(
          c,
          a.updateId,
          a.deploymentId,
          result,
          result === 'failed' ? { reason: 'install-error', exitCode: 1 } : { exitCode: 0 },
        );
      }
    }
    await server.services.engine.run();
    return ran;
  }

  return { admin, importUpdate, enroll, checkin, report, cycle };
}
