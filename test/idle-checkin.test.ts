import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryHash } from '../src/contracts/inventory-hash.js';
import { manifestFactory } from './factories/update.factory.js';
import { ENGINES } from './support/engines.js';
import { fleetDriver } from './support/fleet.js';
import { startTestServer, type TestServer } from './support/test-server.js';

type Answer = {
  assignments: { updateId: string }[];
  answerTag?: string;
  sendInventory?: boolean;
};

for (const engine of ENGINES) {
  describe(`idle check-ins on ${engine}`, () => {
    let server: TestServer;
    let fleet: ReturnType<typeof fleetDriver>;
    const now = Date.parse('2026-06-01T00:00:00Z');

    beforeAll(async () => {
      server = await startTestServer(engine, { now: () => now }, { engineIntervalMs: 0 });
      fleet = fleetDriver(server, () => now);
      await fleet.admin('POST', '/api/v1/groups', { name: 'idle' });
    });
    afterAll(async () => {
      await server.stop();
    });

    const post = async (
      c: { computerId: string; credential: string },
      payload: Record<string, unknown>,
    ) => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/agent/v1/computers/${c.computerId}/checkin`,
        headers: { authorization: `Bearer ${c.credential}` },
        payload,
      });
      return { status: res.statusCode, body: res.body === '' ? null : res.json<Answer>() };
    };

    it('takes the hash of the inventory it has, and asks for the inventory when the hash is another', async () => {
      const [c] = await fleet.enroll(1, 'idle', 'hash');
      if (!c) throw new Error('no computer');
      // An agent before 0.2 sends the whole inventory every time: it keeps working.
      expect((await post(c, { inventory: c.inventory })).status).toBe(200);
      const hash = inventoryHash(c.inventory);
      const same = await post(c, { inventoryHash: hash });
      expect(same.status).toBe(200);
      expect(same.body?.sendInventory).toBeUndefined();
      // A hash the server does not have (it lost it, or never had it): it asks for all of it.
      const other = await post(c, { inventoryHash: inventoryHash({ ...c.inventory, site: 'x' }) });
      expect(other.body?.sendInventory).toBe(true);
      expect(other.body?.answerTag).toBeUndefined();
      // The agent answers with the whole inventory (here with more free disk): taken.
      const moved = { ...c.inventory, freeDiskMB: c.inventory.freeDiskMB + 5000 };
      expect((await post(c, { inventory: moved })).body?.sendInventory).toBeUndefined();
      expect((await post(c, { inventoryHash: inventoryHash(moved) })).body?.sendInventory).toBe(
        undefined,
      );
      const shown = await fleet.admin<{ freeDiskMB: number }>(
        'GET',
        `/api/v1/computers/${c.computerId}`,
      );
      expect(shown.body.freeDiskMB).toBe(moved.freeDiskMB);
      // Neither the inventory nor its hash: refused, naming the field.
      const none = await post(c, {});
      expect(none.status).toBe(400);
      expect(JSON.stringify(none.body)).toContain('inventory');
    });

    it('answers 204 to the tag of an answer that holds; a deployment created since reaches the computer at its next check-in', async () => {
      const [c] = await fleet.enroll(1, 'idle', 'tag');
      if (!c) throw new Error('no computer');
      const first = await post(c, { inventory: c.inventory });
      const tag = first.body?.answerTag;
      expect(tag).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const again = await post(c, { inventoryHash: inventoryHash(c.inventory), answerTag: tag });
      expect(again.status).toBe(204);
      expect(again.body).toBeNull();

      const manifest = manifestFactory();
      await fleet.importUpdate(manifest);
      await fleet.admin('POST', '/api/v1/groups', { name: 'tag-target' });
      await fleet.admin('POST', '/api/v1/groups/tag-target/members', {
        computers: [c.computerId],
      });
      const created = await fleet.admin('POST', '/api/v1/deployments', {
        update: manifest.id,
        group: 'tag-target',
        plan: { phases: [{ name: 'all', percent: 100 }], soakSeconds: 0 },
      });
      expect(created.status).toBe(201);
      await server.services.engine.run();
      const reached = await post(c, {
        inventoryHash: inventoryHash(c.inventory),
        answerTag: tag,
      });
      expect(reached.status).toBe(200);
      expect(reached.body?.assignments.map((a) => a.updateId)).toEqual([manifest.id]);
      expect(reached.body?.answerTag).toBeUndefined();
    });

    it('refuses a revoked credential at once, though its check-ins were answered from memory', async () => {
      const [c] = await fleet.enroll(1, 'idle', 'revoked');
      if (!c) throw new Error('no computer');
      const first = await post(c, { inventory: c.inventory });
      const tag = first.body?.answerTag;
      const idle = { inventoryHash: inventoryHash(c.inventory), answerTag: tag };
      expect((await post(c, idle)).status).toBe(204);
      const revoke = await fleet.admin('POST', `/api/v1/computers/${c.computerId}/revoke`);
      expect(revoke.status).toBe(200);
      expect((await post(c, idle)).status).toBe(401);
    });

    it('shows the last seen time of a check-in before it is written, and writes it on close', async () => {
      const [c] = await fleet.enroll(1, 'idle', 'seen');
      if (!c) throw new Error('no computer');
      await sql`update computers set last_seen_at = 1 where id = ${c.computerId}`.execute(
        server.store.db,
      );
      expect((await post(c, { inventory: c.inventory })).status).toBe(200);
      const shown = await fleet.admin<{ lastSeenAt: string }>(
        'GET',
        `/api/v1/computers/${c.computerId}`,
      );
      expect(shown.body.lastSeenAt).toBe(new Date(now).toISOString());
      // A list that filters by health writes the pending times first.
      const online = await fleet.admin<{ items: { id: string }[] }>(
        'GET',
        '/api/v1/computers?health=online&limit=500',
      );
      expect(online.body.items.map((i) => i.id)).toContain(c.computerId);
      const { rows } = await sql<{
        last_seen_at: number;
      }>`select last_seen_at from computers where id = ${c.computerId}`.execute(server.store.db);
      expect(Number(rows[0]?.last_seen_at)).toBe(now);
    });
  });
}
